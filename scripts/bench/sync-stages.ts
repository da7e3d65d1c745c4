/**
 * Where an ingested batch's CPU goes, stage by stage, in this process over SQLite: the
 * telemetry route's steps (sync/routes/telemetry-routes.ts) on each batch in turn, 16
 * batches a group as the endpoint commits them under load, after a warm-up. The request's
 * stages run on this thread without waiting and are timed on the clock; the group's commit
 * and the alert pass (one over every timed batch's windows; the endpoint runs one every
 * 100 ms while batches arrive) by `process.cpuUsage` (they wait on fsync; the checkpoint
 * thread's work counts). What `bench sync` compares with the bare route's cost per request.
 */
import Ajv from 'ajv';
import { isDateTime } from '../../sync/date-time.ts';
import { judgeEvents } from '../../sync/drift/judge-events.ts';
import { VersionBaselines } from '../../sync/drift/version-baselines.ts';
import { telemetryBody } from '../../sync/schemas.ts';
import { aggregateEvents } from '../../sync/telemetry-aggregate.ts';
import { publishVersion } from '../../test-support/sync/publish-version.ts';
import { makeBatch } from '../../test-support/sync/telemetry-batch.ts';
import { startServer } from '../../test-support/sync/test-server.ts';

/** CPU microseconds per batch of each stage. */
export interface StageCosts {
  /** `JSON.parse` of the body (the bare route does this too). */
  parse: number;
  /** The body's JSON schema (ajv, the endpoint's options). */
  validate: number;
  /** Limits, then the events summed into aggregate cells. */
  aggregate: number;
  /** Versions and bins checked, each event judged into a drift window with its report. */
  judge: number;
  /** The batch row, aggregate upserts and window rows, group-committed (16 a group) and synced. */
  store: number;
  /** The alert machine's pass over the batch's windows. */
  alerts: number;
}

const GROUP = 16;

export async function measureStages(events: number, batches = 1600): Promise<StageCosts> {
  // The alert machine runs when this probe says, not on its poll.
  const poll = process.env.SYNC_ALERT_POLL_MS;
  process.env.SYNC_ALERT_POLL_MS = '3600000';
  const server = await startServer({});
  if (poll === undefined) delete process.env.SYNC_ALERT_POLL_MS;
  else process.env.SYNC_ALERT_POLL_MS = poll;
  try {
    await publishVersion(server, 'mnist-centroid', '1.0.0');
    const { sync } = server;
    const template = JSON.stringify(makeBatch({ batchId: 'BATCH_ID', events, seed: 11 }));
    const texts = Array.from({ length: batches }, (_, i) => template.replace('BATCH_ID', `stage-batch-${i}`));
    const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false, useDefaults: true });
    ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
    const validate = ajv.compile(telemetryBody);
    const baselines = new VersionBaselines(sync.store, sync.blobs);
    const { telemetryLimits, drift } = sync.config;
    const receivedAt = new Date();
    const totals: StageCosts = { parse: 0, validate: 0, aggregate: 0, judge: 0, store: 0, alerts: 0 };
    const cpuUs = () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    };
    // A group at a time, as the endpoint sees them: each batch through the request's
    // stages (timed on the clock: they run on this thread without waiting), then the
    // group's commit (CPU time: it waits for the fsync, and the checkpoint thread counts).
    const group = async (first: number, count: number, tally: boolean) => {
      const ready = [];
      for (let i = first; i < first + count; i++) {
        const t0 = performance.now();
        const body = JSON.parse(texts[i]!) as ReturnType<typeof makeBatch>;
        const t1 = performance.now();
        if (!validate(body)) throw new Error(`stage probe: the bench's batch fails the schema: ${ajv.errorsText(validate.errors)}`);
        const t2 = performance.now();
        const aggregates = aggregateEvents(body.events, telemetryLimits);
        const t3 = performance.now();
        const windows = await judgeEvents(body.events, baselines, drift, receivedAt);
        const t4 = performance.now();
        if (tally) {
          totals.parse += t1 - t0;
          totals.validate += t2 - t1;
          totals.aggregate += t3 - t2;
          totals.judge += t4 - t3;
        }
        ready.push({ batchId: body.batchId, deviceId: body.deviceId, sender: 'bench', sentAt: body.sentAt, receivedAt: receivedAt.toISOString(), eventCount: body.events.length, aggregates, dropped: 0, driftWindows: windows });
      }
      const before = cpuUs();
      await Promise.all(ready.map((b) => sync.store.ingestTelemetry(b)));
      if (tally) totals.store += (cpuUs() - before) / 1000;
    };
    const warmUp = Math.min(200, Math.floor(batches / 4));
    for (let i = 0; i < warmUp; i += GROUP) await group(i, Math.min(GROUP, warmUp - i), false);
    await sync.alerts.kick(); // the warm-up's windows, untimed: the timed pass judges the timed batches'
    for (let i = warmUp; i < batches; i += GROUP) await group(i, Math.min(GROUP, batches - i), true);
    const before = cpuUs();
    await sync.alerts.kick();
    totals.alerts = (cpuUs() - before) / 1000;
    const timed = batches - warmUp;
    return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Math.round((v * 1000) / timed)])) as unknown as StageCosts;
  } finally {
    await server.close();
  }
}
