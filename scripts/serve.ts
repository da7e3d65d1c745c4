/**
 * CLI: `tsx scripts/serve.ts [--port N]` — serves dist/ at / and the public fixtures
 * (registry, data, e2e-made packages) under /fixtures.
 * Used by Playwright's webServer; `npm start` builds first (scripts/start.ts).
 */
import { parseArgs } from 'node:util';
import { startStaticServer } from './static-server.ts';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(values.port ?? process.env.PORT ?? 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`edgeloop: --port must be an integer 0..65535 (got ${values.port ?? process.env.PORT})`);
  process.exit(2);
}
const server = await startStaticServer(
  [
    { prefix: '/', dir: 'dist' },
    // Only public fixture material: never fixtures/keys (the test publisher's private key).
    { prefix: '/fixtures/registry', dir: 'fixtures/registry' },
    { prefix: '/fixtures/data', dir: 'fixtures/data' },
    { prefix: '/fixtures/e2e', dir: 'fixtures/e2e' },
  ],
  { port },
);
console.log(`edgeloop: serving on ${server.url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
