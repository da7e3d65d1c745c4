/**
 * Where an ingested batch's CPU goes, stage by stage, in this process over SQLite: the
 * telemetry route's steps (sync/routes/telemetry-routes.ts) timed one stage at a time
 * over the same batches, after a warm-up, with `process.cpuUsage`. The store stage
 * commits 16 batches a group, as the endpoint does under load; the alert stage is one
 * alert pass over every window stored (the endpoint runs one every 100 ms while batches
 * arrive). What `bench sync` compares with the bare route's cost per request.
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
  /** The events serialised for the stored batch row. */
  stringify: number;
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
    const costs: Partial<StageCosts> = {};
    const cpu = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
      const start = process.cpuUsage();
      const value = await run();
      const used = process.cpuUsage(start);
      return [value, Math.round((used.user + used.system) / batches)];
    };
    async function stage<T>(name: keyof StageCosts, f: (i: number) => T | Promise<T>, warm = true): Promise<T[]> {
      if (warm) for (let i = 0; i < Math.min(batches, 200); i++) await f(i);
      const [out, us] = await cpu(async () => {
        const values: T[] = [];
        for (let i = 0; i < batches; i++) values.push(await f(i));
        return values;
      });
      costs[name] = us;
      return out;
    }
    const bodies = await stage('parse', (i) => JSON.parse(texts[i]!) as ReturnType<typeof makeBatch>);
    await stage('validate', (i) => {
      if (!validate(bodies[i])) throw new Error(`stage probe: the bench's batch fails the schema: ${ajv.errorsText(validate.errors)}`);
    });
    const aggregates = await stage('aggregate', (i) => aggregateEvents(bodies[i]!.events, telemetryLimits));
    const windows = await stage('judge', (i) => judgeEvents(bodies[i]!.events, baselines, drift, receivedAt));
    const json = await stage('stringify', (i) => JSON.stringify(bodies[i]!.events));
    const ingest = (i: number) => {
      const b = bodies[i]!;
      return sync.store.ingestTelemetry({ batchId: b.batchId, deviceId: b.deviceId, sender: 'bench', sentAt: b.sentAt, receivedAt: receivedAt.toISOString(), eventCount: b.events.length, eventsJson: json[i]!, aggregates: aggregates[i]!, dropped: 0, driftWindows: windows[i]! });
    };
    await stage('store', async (i) => {
      if (i % GROUP === 0) await Promise.all(Array.from({ length: Math.min(GROUP, batches - i) }, (_, k) => ingest(i + k)));
    }, false);
    [, costs.alerts] = await cpu(() => sync.alerts.kick());
    return costs as StageCosts;
  } finally {
    await server.close();
  }
}
