/**
 * Two endpoint processes over one PostgreSQL database (the stateless replicas):
 * each started the way operators start it (`scripts/sync.ts`, configured by environment)
 * with its own empty DATA_DIR, so nothing is shared on disk. A version published on A
 * installs from B (index, manifest, signature, every artifact file: bytes and SHA-256,
 * the same ETags, resumable by range); drifted telemetry sent to both raises exactly one
 * alert, delivered once to the webhook, and queues exactly one retraining job.
 *
 * PostgreSQL only: skipped with the reason where it cannot be had, except under `CI` or
 * `SYNC_TEST_REQUIRE_POSTGRES=1`, where it fails instead (as describe-matrix does).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, parseManifest, parseRegistryIndex, sha256Hex, verifyManifestSignature, type BaselineSignal, type BuiltPackage, type DriftEvent, type SigningKeyPair } from '../../format/index.ts';
import { buildMnistPackage, publishBody } from '../../test-support/mnist-package.ts';
import { windowEvent } from '../../test-support/sync/drift-events.ts';
import { freePort } from '../../test-support/sync/free-port.ts';
import { request, type TestResponse } from '../../test-support/sync/http.ts';
import { ensurePostgres, startPostgres, type PostgresServer } from '../../test-support/sync/postgres.ts';
import { spawnServer, type SpawnedServer } from '../../test-support/sync/spawn-server.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/sync/webhook-receiver.ts';

const NAME = 'mnist-replicated';
const VERSION = '1.0.0';
const WEBHOOK_SECRET = 'replicas-webhook-secret-0123456789';

const required = Boolean(process.env.CI) || process.env.SYNC_TEST_REQUIRE_POSTGRES === '1';
const found = ensurePostgres();
if (!found.ok && !required) {
  console.warn(`\n!!! SKIPPING "two endpoint processes over one PostgreSQL": ${found.reason}. Install Debian's postgresql (apt-get install -y postgresql) to run it.\n`);
}

describe.skipIf(!found.ok && !required)('two endpoint processes over one PostgreSQL', () => {
  let postgres: PostgresServer | undefined;
  let receiver: WebhookReceiver | undefined;
  const servers: SpawnedServer[] = [];
  const dataDirs: string[] = [];
  let a: SpawnedServer;
  let b: SpawnedServer;
  let publisher: SigningKeyPair;
  let indexKey: SigningKeyPair;
  let pkg: BuiltPackage;
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const appToken = `app-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    postgres = await startPostgres();
    receiver = await startWebhookReceiver();
    [publisher, indexKey] = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair()]);
    const keyDir = mkdtempSync(join(tmpdir(), 'edgeloop-replicas-keys-'));
    dataDirs.push(keyDir);
    const indexKeyFile = join(keyDir, 'index-key.json');
    writeFileSync(indexKeyFile, JSON.stringify({ publicKey: indexKey.publicKey, privateKey: indexKey.privateKey }));
    const env = {
      DATABASE_URL: postgres.databaseUrl,
      SYNC_ADMIN_TOKENS: adminToken,
      SYNC_APP_TOKENS: appToken,
      SYNC_PUBLISHER_KEYS: publisher.publicKey,
      SYNC_INDEX_KEY: indexKeyFile,
      SYNC_ALERT_WINDOWS: '2',
      SYNC_ALERT_POLL_MS: '100',
      SYNC_ALERT_WEBHOOKS: receiver.url,
      SYNC_ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SYNC_RETRAIN_ON_ALERT: 'true',
    };
    // Started one after the other: the second finds the migrations applied by the first.
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), `edgeloop-replica-${i}-`));
      dataDirs.push(dataDir);
      servers.push(await spawnServer({ port: await freePort(), env: { ...env, DATA_DIR: dataDir }, readyTimeoutMs: 60_000 }));
    }
    [a, b] = servers as [SpawnedServer, SpawnedServer];
    pkg = await buildMnistPackage({ name: NAME, version: VERSION, signingKey: publisher });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await receiver?.close();
    await postgres?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const get = (server: SpawnedServer, path: string, headers: Record<string, string> = {}) => request(server.url, path, { headers, timeoutMs: 20_000 });
  const admin = (server: SpawnedServer, path: string) => request(server.url, path, { token: adminToken, timeoutMs: 20_000 });
  const ok = (res: TestResponse, what: string): TestResponse => {
    expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(200);
    return res;
  };

  it('installs from B what was published on A: index, manifest, signature and every file, with the same ETags', async () => {
    const published = await request(a.url, `/v1/models/${NAME}/versions/${VERSION}`, { method: 'PUT', token: adminToken, json: publishBody(pkg), timeoutMs: 60_000 });
    expect(published.status, published.text).toBe(201);

    // The index: signed with the shared key, the same bytes from either replica (within one refresh window).
    let indexB = ok(await get(b, `/registry/${NAME}/index.json`), 'index.json from B');
    let indexA = ok(await get(a, `/registry/${NAME}/index.json`), 'index.json from A');
    if (indexA.headers.etag !== indexB.headers.etag) indexB = ok(await get(b, `/registry/${NAME}/index.json`), 'index.json from B, again');
    expect(indexB.headers.etag).toBe(indexA.headers.etag);
    expect(Buffer.compare(indexB.body, indexA.body)).toBe(0);
    const index = parseRegistryIndex(new Uint8Array(indexB.body), NAME);
    expect(index.versions.map((v) => v.version)).toEqual([VERSION]);
    expect(index.aliases.latest).toBe(VERSION);
    const indexSig = ok(await get(b, `/registry/${NAME}/index.sig`), 'index.sig from B');
    await expect(verifyManifestSignature(new Uint8Array(indexB.body), new Uint8Array(indexSig.body), [indexKey.publicKey])).resolves.toBeDefined();

    // The manifest and its signature, checked the way the runtime checks them.
    const manifestBytes = new Uint8Array(ok(await get(b, `/registry/${NAME}/${VERSION}/manifest.json`), 'manifest.json from B').body);
    expect(Buffer.compare(Buffer.from(manifestBytes), Buffer.from(pkg.manifestBytes))).toBe(0);
    const signature = new Uint8Array(ok(await get(b, `/registry/${NAME}/${VERSION}/manifest.sig`), 'manifest.sig from B').body);
    await expect(verifyManifestSignature(manifestBytes, signature, [publisher.publicKey])).resolves.toBeDefined();
    const manifest = parseManifest(manifestBytes);

    // Every artifact file: size and SHA-256 as the manifest says, the bytes that were published.
    const files = manifest.artifacts.flatMap((artifact) => artifact.files);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const res = ok(await get(b, `/registry/${NAME}/${VERSION}/${file.path}`), file.path);
      expect(res.body.byteLength, file.path).toBe(file.bytes);
      expect(await sha256Hex(new Uint8Array(res.body)), file.path).toBe(file.sha256);
      expect(Buffer.compare(res.body, Buffer.from(pkg.files.get(file.path)!)), file.path).toBe(0);
      expect(res.headers.etag).toBe(`"${file.sha256}"`);
      // A device that cached the file from A revalidates against B, and resumes from B.
      expect((await get(b, `/registry/${NAME}/${VERSION}/${file.path}`, { 'if-none-match': ok(await get(a, `/registry/${NAME}/${VERSION}/${file.path}`), file.path).headers.etag as string })).status).toBe(304);
      if (file.bytes > 100) {
        const part = await get(b, `/registry/${NAME}/${VERSION}/${file.path}`, { range: 'bytes=50-' });
        expect(part.status, file.path).toBe(206);
        expect(Buffer.compare(part.body, res.body.subarray(50)), file.path).toBe(0);
      }
    }

    // Stateless: neither replica wrote anything to its DATA_DIR.
    for (const dir of dataDirs.slice(1)) expect(readdirSync(dir), dir).toEqual([]);
    expect(existsSync(join(dataDirs[1]!, 'blobs'))).toBe(false);
  });

  it('raises one alert, delivered once, and queues one retraining job from drifted telemetry sent to both', async () => {
    const baseline: BaselineSignal[] = pkg.manifest.baseline!.signals;
    const minute = (i: number) => new Date(Date.UTC(2026, 10, 30, 12, i)).toISOString();
    const drifted = (i: number): DriftEvent => windowEvent({ model: NAME, version: VERSION, baseline, n: 500, drifted: true, windowStart: minute(i), seed: i + 1 });
    const send = (server: SpawnedServer, events: DriftEvent[]) =>
      request(server.url, '/v1/telemetry', { method: 'POST', token: appToken, json: { schema: 1, batchId: randomUUID(), deviceId: `device-${server.url}`, sentAt: new Date().toISOString(), events }, timeoutMs: 20_000 });

    // One drifted window to each at once: neither replica alone has the two in a row an alert needs.
    const first = await Promise.all([send(a, [drifted(0)]), send(b, [drifted(1)])]);
    expect(first.map((r) => r.status), first.map((r) => r.text).join('\n')).toEqual([200, 200]);
    const alerts = async (server: SpawnedServer) => ok(await admin(server, `/v1/alerts?model=${NAME}`), 'alerts').json.alerts as { id: number; state: string; version: string }[];
    const deadline = Date.now() + 30_000;
    while ((await alerts(b)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    // More drift to both, concurrently: the stream is in drift already, so nothing new.
    const more = await Promise.all([send(a, [drifted(2), drifted(3)]), send(b, [drifted(4)]), send(a, [drifted(5)]), send(b, [drifted(6), drifted(7)])]);
    expect(more.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Both replicas judge every window: wait until none is left unjudged (the stream counts all eight).
    const streamDeadline = Date.now() + 30_000;
    for (;;) {
      const report = ok(await admin(a, `/v1/models/${NAME}/versions/${VERSION}/drift?from=${minute(0)}&to=${minute(60)}`), 'drift report').json;
      if (report.windows.total === 8 || Date.now() > streamDeadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await receiver!.waitForAccepted(1, 30_000);
    // Several poll periods of both replicas.
    await new Promise((r) => setTimeout(r, 1_000));

    const fromA = await alerts(a);
    const fromB = await alerts(b);
    expect(fromA).toHaveLength(1);
    expect(fromB).toEqual(fromA);
    expect(fromA[0]).toMatchObject({ state: 'drift', version: VERSION });
    const hooks = receiver!.accepted().filter((h) => JSON.parse(h.body).alert.model === NAME);
    expect(hooks).toHaveLength(1);
    expect(JSON.parse(hooks[0]!.body).alert.id).toBe(fromA[0]!.id);

    const jobsA = ok(await admin(a, `/v1/jobs?model=${NAME}`), 'jobs from A').json.jobs;
    const jobsB = ok(await admin(b, `/v1/jobs?model=${NAME}`), 'jobs from B').json.jobs;
    expect(jobsA).toHaveLength(1);
    expect(jobsB).toEqual(jobsA);
    expect(jobsA[0]).toMatchObject({ kind: 'retrain', state: 'queued', payload: { reason: 'alert', alertId: fromA[0]!.id, parentVersion: VERSION } });
  });
});
