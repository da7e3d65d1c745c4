/** A free TCP port on loopback, found by letting the OS pick one. */
import { createServer } from 'node:net';

/** Asks the OS for a free loopback port and releases it (a later bind may race; tests retry nothing, the window is tiny). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
