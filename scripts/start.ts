/**
 * `npm start`: makes the demo model packages if they are missing (real MNIST models,
 * trained briefly), builds the app and serves it on http://localhost:5173 (PORT
 * overrides) with cross-origin isolation, and starts the sync endpoint beside it on
 * http://127.0.0.1:8787 (SYNC_PORT overrides). Without SYNC_* settings the endpoint runs
 * in a local demo configuration: SQLite in ./data, the fixture publisher key trusted,
 * fresh tokens printed below (see docs/SYNC-API.md for a real configuration).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit' });

run('npx', ['tsx', 'scripts/make-fixtures.ts']);
run('npx', ['vite', 'build']);
await import('./serve.ts');

const env = process.env;
const demo = !env.SYNC_ADMIN_TOKENS && !env.SYNC_CONFIG;
const adminToken = env.SYNC_ADMIN_TOKENS ?? `admin-${randomBytes(12).toString('hex')}`;
const appToken = env.SYNC_APP_TOKENS ?? `app-${randomBytes(12).toString('hex')}`;
const publisherKey = env.SYNC_PUBLISHER_KEYS ?? ((JSON.parse(await readFile('fixtures/keys/publisher.json', 'utf8')) as { publicKey: string }).publicKey);
const { createSyncServer } = await import('../sync/index.ts');
const sync = await createSyncServer({
  port: Number(env.SYNC_PORT ?? 8787),
  ...(env.SYNC_CONFIG ? {} : { adminTokens: adminToken.split(','), appTokens: appToken.split(','), publisherKeys: publisherKey.split(',') }),
  ...(env.SYNC_CORS_ORIGINS ? {} : { corsOrigins: [`http://localhost:${env.PORT ?? 5173}`] }),
});
const syncUrl = await sync.listen();
console.log(`edgeloop: sync endpoint on ${syncUrl} (store: ${sync.store.kind}, data: ${sync.config.dataDir})`);
if (demo) console.log(`edgeloop: demo tokens — admin: ${adminToken}  app: ${appToken}`);
const stop = () => void sync.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
