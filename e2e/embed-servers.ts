/**
 * The two origins of the embed spec: a "CDN" (origin B) serving dist-embed/ and the
 * fixture registry with CORS, and a "site" (origin A) serving pages under a strict CSP
 * that allows only the CDN. Both on free loopback ports; the site's pages are strings.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
};

export interface TestServer {
  /** Origin + `/`. */
  readonly url: string;
  readonly origin: string;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function listen(server: Server, host: string): Promise<{ url: string; origin: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return { url: `${origin}/`, origin };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/**
 * Serves `mounts` (URL prefix → folder) with `Access-Control-Allow-Origin: *`, correct MIME
 * types and a CDN's caching: `/assets/` (content-hashed) immutable, the entries 10 minutes,
 * the registry revalidated on every use.
 */
export async function startCdn(mounts: Record<string, string>): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'If-None-Match');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const prefix = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((p) => path.startsWith(p));
    if (prefix === undefined || path.includes('..')) return void res.writeHead(404).end('not found');
    const file = normalize(join(mounts[prefix]!, path.slice(prefix.length)));
    try {
      const body = await readFile(file);
      // As a CDN would: content-hashed assets for good, the two entries for a while, the registry always revalidated.
      const cacheControl = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : prefix === '/' ? 'public, max-age=600' : 'no-cache';
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.byteLength, 'Cache-Control': cacheControl });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return { ...(await listen(server, '127.0.0.1')), requests, close: closer(server) };
}

/** Serves fixed bodies by path; HTML pages get `csp` as their Content-Security-Policy. */
export async function startSite(files: Map<string, { type: string; body: string | Uint8Array }>, csp: string): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const file = files.get(path);
    if (!file) return void res.writeHead(404).end('not found');
    const headers: Record<string, string> = { 'Content-Type': file.type, 'Cache-Control': 'public, max-age=600' };
    if (file.type.startsWith('text/html')) headers['Content-Security-Policy'] = csp;
    res.writeHead(200, headers).end(file.body);
  });
  // `localhost`: a secure context (WebCrypto, WebGPU), and another origin than the CDN's 127.0.0.1.
  return { ...(await listen(server, 'localhost')), requests, close: closer(server) };
}

/** A grayscale PNG of `pixels` (0..1, row-major `size × size`), scaled up `scale` times. */
export function grayscalePng(pixels: ArrayLike<number>, size: number, scale: number): Uint8Array {
  const side = size * scale;
  const raw = Buffer.alloc(side * (side + 1));
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0; // filter: none
    for (let x = 0; x < side; x++) raw[y * (side + 1) + 1 + x] = Math.round(Math.min(1, Math.max(0, pixels[Math.floor(y / scale) * size + Math.floor(x / scale)]!)) * 255);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.byteLength, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
