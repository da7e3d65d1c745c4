/**
 * A small registry server for the store specs: serves a folder in the registry layout
 * (docs/REGISTRY.md) on a free loopback port, cross-origin to the app (CORS + CORP, so
 * it works under COEP), with ETags, a request log and one-shot faults: drop the
 * connection half-way through a file, or stall it (the page reloads meanwhile).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { createRegistryIndex, signManifest, type Manifest } from '../format/index.ts';
import { FIXTURES, publisherKey } from './lab.ts';

export interface Fault {
  /** `drop`: send half the body, then destroy the socket. `stall`: send half, then wait forever. */
  mode: 'drop' | 'stall';
}

export interface RegistryServer {
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** Every request, in order: `GET /mnist-mlp/index.json 200`. */
  readonly requests: string[];
  /** Arms a one-shot fault for the next GET of a path ending in `suffix`. */
  fault(suffix: string, fault: Fault): void;
  /** Requests whose path ends in `suffix`. */
  count(suffix: string): number;
  close(): Promise<void>;
}

export async function startRegistryServer(root: string): Promise<RegistryServer> {
  const requests: string[] = [];
  const faults = new Map<string, Fault>();
  const stalled = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'If-None-Match');
    res.setHeader('Access-Control-Expose-Headers', 'ETag');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const log = (status: number) => requests.push(`${req.method} ${path} ${status}`);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || path.includes('..')) {
      log(400);
      res.writeHead(400).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      log(404);
      res.writeHead(404).end('not found');
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) {
      log(304);
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    const suffix = [...faults.keys()].find((s) => path.endsWith(s));
    const fault = suffix === undefined ? undefined : faults.get(suffix);
    if (suffix !== undefined) faults.delete(suffix);
    log(200);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.byteLength, ETag: etag, 'Cache-Control': 'no-cache' });
    if (!fault) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, body.byteLength >> 1));
    if (fault.mode === 'drop') setTimeout(() => res.socket?.destroy(), 50);
    else stalled.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    fault: (suffix, fault) => faults.set(suffix, fault),
    count: (suffix) => requests.filter((r) => r.split(' ')[1]!.endsWith(suffix)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link writeRegistry}. */
export interface RegistryOptions {
  /** Fixture package to copy the files of. @defaultValue 'mnist-mlp' */
  name?: string;
  versions: string[];
  /** Aliases; by default `latest` → the highest version. */
  aliases?: Record<string, string>;
  /** Index validity. @defaultValue 30 days */
  validForMs?: number;
  now?: Date;
}

/**
 * Writes a registry under `root` holding `versions` of a fixture package: the same
 * files, each manifest re-versioned and signed with the fixture publisher key, and a
 * signed index. Returns the package name.
 */
export async function writeRegistry(root: string, options: RegistryOptions): Promise<string> {
  const name = options.name ?? 'mnist-mlp';
  const key = await publisherKey();
  const source = join(FIXTURES, 'registry', name, '1.0.0');
  const manifest = JSON.parse(await readFile(join(source, 'manifest.json'), 'utf8')) as Manifest;
  for (const version of options.versions) {
    const dir = join(root, name, version);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await cp(source, dir, { recursive: true });
    await rm(join(dir, '.stamp'), { force: true });
    const bytes = new TextEncoder().encode(`${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
    await writeFile(join(dir, 'manifest.json'), bytes);
    await writeFile(join(dir, 'manifest.sig'), await signManifest(bytes, key.privateKey, key.publicKey));
  }
  await writeIndex(root, name, options);
  return name;
}

/** (Re)writes `<root>/<name>/index.json` and `index.sig`. */
export async function writeIndex(root: string, name: string, options: RegistryOptions): Promise<void> {
  const key = await publisherKey();
  const { indexBytes, signature } = await createRegistryIndex({
    name,
    versions: options.versions.map((version) => ({ version, publishedAt: new Date().toISOString() })),
    aliases: options.aliases,
    validForMs: options.validForMs,
    now: options.now,
    signingKey: key,
  });
  await mkdir(join(root, name), { recursive: true });
  await writeFile(join(root, name, 'index.json'), indexBytes);
  await writeFile(join(root, name, 'index.sig'), signature!);
}
