/**
 * The static server behind `npm start`, the e2e tests and the benchmarks: serves the
 * built app and model packages from loopback with cross-origin isolation, so that
 * multi-threaded wasm (SharedArrayBuffer) is available.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';

/** A folder served under a URL prefix. */
export interface Mount {
  /** URL prefix, e.g. `/` or `/fixtures`. */
  prefix: string;
  /** Folder on disk. */
  dir: string;
  /** Send `Cache-Control: no-store`, so every load really transfers the bytes (benchmarks). */
  noStore?: boolean;
}

/** Options for {@link startStaticServer}. */
export interface StaticServerOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
}

/** A running server. */
export interface StaticServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `mounts` (longest prefix first) with COOP/COEP headers. */
export async function startStaticServer(mounts: readonly Mount[], options: StaticServerOptions = {}): Promise<StaticServer> {
  const handlers = [...mounts]
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .map((mount) => ({
      prefix: mount.prefix.replace(/\/$/, ''),
      serve: sirv(mount.dir, {
        dev: true,
        dotfiles: false,
        extensions: ['html'],
        setHeaders: (res: ServerResponse, pathname: string) => {
          if (pathname.endsWith('.wasm')) res.setHeader('Content-Type', 'application/wasm');
          // vite's content-hashed bundles never change under a name: cache them for good
          // (the browser then has the engines' code on a later, offline visit).
          if (pathname.startsWith('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          if (mount.noStore) res.setHeader('Cache-Control', 'no-store');
        },
      }),
    }));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Cross-origin isolation: needed for SharedArrayBuffer (wasm threads).
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const url = req.url ?? '/';
    const handler = handlers.find((h) => h.prefix === '' || url === h.prefix || url.startsWith(`${h.prefix}/`));
    if (!handler) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    if (handler.prefix) req.url = url.slice(handler.prefix.length) || '/';
    handler.serve(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
