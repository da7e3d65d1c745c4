/**
 * `npm start`: makes the demo model packages if they are missing (real MNIST models,
 * trained briefly), builds the app and serves it on http://localhost:5173 (PORT
 * overrides) with cross-origin isolation, and starts the sync endpoint beside it on
 * http://127.0.0.1:8787 (SYNC_PORT overrides). Without SYNC_* settings the endpoint runs
 * in a local demo configuration: SQLite in ./data, the fixture publisher key trusted and
 * signing the registry index, fresh tokens printed below, the demo models published with
 * `production` on them, and the app's first-run settings pointing at the endpoint
 * (registry, telemetry on, Monitor, the `production` channel with automatic updates),
 * and a retraining worker (`scripts/retrain-worker.ts`) that takes the endpoint's
 * retrain jobs and checks canaries — see docs/SYNC-API.md for a real configuration.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit' });

run('npx', ['tsx', 'scripts/make-fixtures.ts']);
run('npx', ['vite', 'build']);

const env = process.env;
const demo = !env.SYNC_ADMIN_TOKENS && !env.SYNC_CONFIG;
// Demo tokens are made once and kept beside the demo database, so an app set up on an
// earlier start (its settings hold them) keeps working after a restart.
const tokensFile = join(env.DATA_DIR ?? 'data', 'demo-tokens.json');
const kept = demo ? ((await readFile(tokensFile, 'utf8').then((t) => JSON.parse(t) as { admin: string; app: string }).catch(() => undefined)) ?? { admin: `admin-${randomBytes(12).toString('hex')}`, app: `app-${randomBytes(12).toString('hex')}` }) : undefined;
if (demo) {
  await mkdir(dirname(tokensFile), { recursive: true });
  await writeFile(tokensFile, `${JSON.stringify(kept)}\n`, { mode: 0o600 });
}
const adminToken = env.SYNC_ADMIN_TOKENS ?? kept?.admin ?? '';
const appToken = env.SYNC_APP_TOKENS ?? kept?.app ?? '';
const fixtureKey = JSON.parse(await readFile('fixtures/keys/publisher.json', 'utf8')) as { publicKey: string; privateKey: string };
const publisherKey = env.SYNC_PUBLISHER_KEYS ?? fixtureKey.publicKey;
const { createSyncServer } = await import('../sync/index.ts');
const sync = await createSyncServer({
  port: Number(env.SYNC_PORT ?? 8787),
  ...(env.SYNC_CONFIG ? {} : { adminTokens: adminToken.split(','), appTokens: appToken.split(','), publisherKeys: publisherKey.split(',') }),
  // The demo signs its registry index with the key the app trusts, so the app installs from the endpoint.
  ...(demo && !env.SYNC_INDEX_KEY ? { indexKey: { publicKey: fixtureKey.publicKey, privateKey: fixtureKey.privateKey } } : {}),
  ...(env.SYNC_CORS_ORIGINS ? {} : { corsOrigins: [`http://localhost:${env.PORT ?? 5173}`] }),
});
const syncUrl = await sync.listen();
console.log(`edgeloop: sync endpoint on ${syncUrl} (store: ${sync.store.kind}, data: ${sync.config.dataDir})`);
if (demo) {
  console.log(`edgeloop: demo tokens — admin: ${adminToken}  app: ${appToken}`);
  const { publishDemoModels, writeDemoConfig } = await import('./demo-endpoint.ts');
  await publishDemoModels(syncUrl, adminToken.split(',')[0]!, ['mnist-cnn', 'mnist-mlp']);
  // First-run settings of the app (a user's own settings, once saved, win).
  await writeDemoConfig('dist', { registryUrl: `${syncUrl}/registry/`, syncUrl, syncToken: appToken.split(',')[0]!, monitorToken: adminToken.split(',')[0]!, telemetry: true, channel: 'production', autoUpdate: true });
}
// The demo's retraining worker: its own process (training would stall the endpoint's
// requests), on the endpoint's database, publishing through its HTTP API.
const worker = demo
  ? spawn('npx', ['tsx', 'scripts/retrain-worker.ts'], {
      stdio: 'inherit',
      env: { ...env, DATA_DIR: sync.config.dataDir, EDGELOOP_ENDPOINT: syncUrl, EDGELOOP_ADMIN_TOKEN: adminToken.split(',')[0]!, EDGELOOP_SIGNING_KEY: 'fixtures/keys/publisher.json', EDGELOOP_CANARY_CHECK_MS: env.EDGELOOP_CANARY_CHECK_MS ?? '20000' },
    })
  : undefined;
await import('./serve.ts');
const stop = () => {
  worker?.kill('SIGTERM');
  void sync.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
