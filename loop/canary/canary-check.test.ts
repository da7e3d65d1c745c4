/**
 * The canary check against a real endpoint (SQLite, loopback): telemetry windows of both
 * sides as devices send them; too few canary windows → wait; a canary as good as the
 * stable version → promoted (the alias moves to it, the split ends); a canary that errs
 * → rolled back (the alias stays, the split ends). The decision's figures come from the
 * endpoint's own drift reports and telemetry summaries; a promote or rollback (not a wait)
 * is in the model's audit log on the endpoint, with its figures and whether it acted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineSignal } from '../../format/index.ts';
import { buildMnistPackage } from '../../test-support/mnist-package.ts';
import { windowEvent } from '../../test-support/sync/drift-events.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { LATENCY_EDGES } from '../../test-support/sync/telemetry-batch.ts';
import { startServer, type TestServer } from '../../test-support/sync/test-server.ts';
import { EndpointClient } from '../retrain/endpoint-client.ts';
import { checkCanary } from './canary-check.ts';

const NAME = 'mnist-centroid';
let server: TestServer;
let client: EndpointClient;
let baseline: BaselineSignal[];
let seed = 1;

/** Sends `count` windows of `version` from one device class, `errors` failed predictions in each. */
async function windows(version: string, count: number, errors = 0): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({
    ...windowEvent({ model: NAME, version, baseline, n: 200, drifted: false, windowStart: new Date(Date.now() + i).toISOString(), deviceClass: 'phone-wasm', seed: seed++ }),
    predictions: { '3': 200 },
    latencyMs: { edges: LATENCY_EDGES, counts: [150, 40, 10, 0] },
    errors: errors ? { INFERENCE_FAILED: errors } : {},
  }));
  const response = await fetch(`${server.url}/v1/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.appToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ schema: 1, batchId: `canary-batch-${seed}`, deviceId: `device-${seed}`, sentAt: new Date().toISOString(), events }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

beforeAll(async () => {
  server = await startServer();
  client = new EndpointClient(server.url, server.adminToken);
  baseline = (await buildMnistPackage({ name: NAME })).manifest.baseline!.signals;
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) await publishVersion(server, NAME, version);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('checkCanary', () => {
  it('has nothing to decide without a canary', async () => {
    await client.setAlias(NAME, 'production', { version: '1.0.0' });
    expect(await checkCanary(client, NAME)).toBeUndefined();
  });

  it('waits for three canary windows, then promotes a canary as good as the stable version', async () => {
    await client.setAlias(NAME, 'production', { version: '1.0.0', canary: { version: '1.1.0', percent: 50 } });
    await windows('1.0.0', 4);
    await windows('1.1.0', 2);
    const early = await checkCanary(client, NAME);
    expect(early).toMatchObject({ action: 'wait', acted: false, deviceClasses: ['phone-wasm'] });
    expect((await client.events(NAME, { kind: 'canary-decision' })).events).toEqual([]);

    await windows('1.1.0', 2);
    const decision = await checkCanary(client, NAME);
    expect(decision, JSON.stringify(decision?.reasons)).toMatchObject({ action: 'promote', acted: true, stable: { version: '1.0.0', windows: 4, predictions: 800, errors: 0 }, canary: { version: '1.1.0', windows: 4 } });
    expect(decision!.canary.latencyP95).toBe(5);
    expect(decision!.canary.meanConfidence).toBeGreaterThan(0);
    const alias = (await client.model(NAME)).aliases.find((a) => a.alias === 'production');
    expect(alias).toMatchObject({ version: '1.1.0' });
    expect(alias?.canary ?? null).toBeNull();

    const [recorded, ...older] = (await client.events(NAME, { kind: 'canary-decision' })).events;
    expect(older).toEqual([]);
    expect(recorded).toMatchObject({
      kind: 'canary-decision',
      version: '1.1.0',
      details: { action: 'promote', acted: true, alias: 'production', reasons: decision!.reasons, stable: decision!.stable, canary: decision!.canary, since: decision!.since, deviceClasses: ['phone-wasm'] },
    });
    // The move it made is in the log too, recorded by the endpoint.
    expect((await client.events(NAME, { limit: 2 })).events.map((e) => e.kind)).toEqual(['canary-decision', 'alias-moved']);
  });

  it('rolls back a canary that errs, and leaves the alias where it was', async () => {
    await new Promise((r) => setTimeout(r, 10));
    await client.setAlias(NAME, 'production', { version: '1.1.0', canary: { version: '1.2.0', percent: 50 } });
    await windows('1.1.0', 3);
    await windows('1.2.0', 3, 40);
    const decision = await checkCanary(client, NAME);
    expect(decision).toMatchObject({ action: 'rollback', acted: true });
    expect(decision!.reasons.join('; ')).toMatch(/error rate 16\.7 % vs 0\.0 % on 1\.1\.0/);
    const recorded = (await client.events(NAME, { kind: 'canary-decision', limit: 1 })).events[0];
    expect(recorded).toMatchObject({ version: '1.2.0', details: { action: 'rollback', acted: true, reasons: decision!.reasons, canary: { version: '1.2.0', errors: decision!.canary.errors } } });
    const alias = (await client.model(NAME)).aliases.find((a) => a.alias === 'production');
    expect(alias).toMatchObject({ version: '1.1.0' });
    expect(alias?.canary ?? null).toBeNull();
  });

  it('acts once when two workers check one canary at the same time: the other finds the alias moved and records nothing', async () => {
    await new Promise((r) => setTimeout(r, 10));
    await publishVersion(server, NAME, '1.3.0');
    await client.setAlias(NAME, 'production', { version: '1.1.0', canary: { version: '1.3.0', percent: 50 } });
    await windows('1.1.0', 3);
    await windows('1.3.0', 3);
    const before = (await client.events(NAME, { kind: 'canary-decision' })).events.length;
    const checks = await Promise.all([checkCanary(client, NAME), checkCanary(client, NAME)]);
    expect(checks.map((c) => c!.action)).toEqual(['promote', 'promote']);
    expect(checks.map((c) => c!.acted).sort()).toEqual([false, true]);
    expect(checks.find((c) => !c!.acted)).toMatchObject({ moved: true });
    expect((await client.events(NAME, { kind: 'canary-decision' })).events.length).toBe(before + 1);
    expect((await client.aliasHistory(NAME, 'production')).filter((h) => h.version === '1.3.0' && !h.canary)).toHaveLength(1);
  });
});
