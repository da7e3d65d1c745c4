/**
 * The drift half of the PostgreSQL store. Several endpoint replicas may run the alert
 * machine at once: one transaction-scoped advisory lock serialises it, so each window
 * is judged into its stream once, in id order; deliveries are claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease, so replicas share them without sending one twice
 * while a lease holds.
 */
import type pg from 'pg';
import { alertRetrainJob, type AlertRetrain } from '../jobs/job-records.ts';
import type { PostgresJobQueue } from '../jobs/postgres-job-queue.ts';
import type { AlertFilter, AlertRecord, AlertStep, AlertStream, ClaimedDelivery, DeliveryOutcome, DriftStore, DriftWindowFilter, DriftWindowRecord } from './drift-records.ts';
import { streamKey } from './drift-records.ts';
import { alertsOf, alertWhere, STREAM_COLUMNS, STREAM_UPDATE, streamOf, streamParams, windowOf, type AlertRow, type AlertStreamRow, type DeliveryRow, type DriftWindowRow } from './drift-rows.ts';

/** Any constant: the advisory lock of the alert machine. */
const ALERT_LOCK = 0x616c6572;

type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

export class PostgresDrift implements DriftStore {
  constructor(
    readonly pool: pg.Pool,
    readonly transaction: Transaction,
    readonly jobs: PostgresJobQueue,
  ) {}

  async driftWindows(f: DriftWindowFilter): Promise<DriftWindowRecord[]> {
    const params: unknown[] = [f.model, f.version, f.from, f.to];
    let sql = 'SELECT * FROM drift_windows WHERE model = $1 AND version = $2 AND window_start >= $3 AND window_start < $4';
    if (f.deviceClass !== undefined) {
      params.push(f.deviceClass);
      sql += ` AND device_class = $${params.length}`;
    }
    params.push(f.limit);
    sql += ` ORDER BY window_start DESC, id DESC LIMIT $${params.length}`;
    const { rows } = await this.pool.query<DriftWindowRow>(sql, params);
    return rows.map(windowOf);
  }

  advanceAlerts(
    limit: number,
    webhooks: readonly string[],
    at: string,
    step: (windows: DriftWindowRecord[], streams: ReadonlyMap<string, AlertStream>) => AlertStep,
    retrain: AlertRetrain | null = null,
  ): Promise<{ windows: number; alerts: AlertRecord[] }> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ALERT_LOCK]);
      const windows = (await client.query<DriftWindowRow>('SELECT * FROM drift_windows WHERE NOT alerted ORDER BY id LIMIT $1', [limit])).rows.map(windowOf);
      if (windows.length === 0) return { windows: 0, alerts: [] };
      const streams = new Map<string, AlertStream>();
      const keys = [...new Map(windows.map((w) => [streamKey(w), w])).values()];
      const { rows } = await client.query<AlertStreamRow>(
        'SELECT s.* FROM alert_streams s JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(model, version, device_class) USING (model, version, device_class)',
        [keys.map((k) => k.model), keys.map((k) => k.version), keys.map((k) => k.deviceClass)],
      );
      for (const row of rows) streams.set(streamKey(streamOf(row)), streamOf(row));
      const decided = step(windows, streams);
      for (const s of decided.streams) {
        await client.query(
          `INSERT INTO alert_streams (${STREAM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (model, version, device_class) DO UPDATE SET ${STREAM_UPDATE}`,
          streamParams(s),
        );
      }
      const alerts: AlertRecord[] = [];
      for (const a of decided.alerts) {
        const inserted = await client.query<AlertRow>(
          'INSERT INTO alerts (model, version, device_class, state, previous, at, window_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
          [a.model, a.version, a.deviceClass, a.state, a.previous, a.at, a.windowId, a.detail],
        );
        const alertId = Number(inserted.rows[0]!.id);
        const deliveries = await client.query<DeliveryRow>(
          "INSERT INTO alert_deliveries (alert_id, url, status, attempts, next_attempt_at) SELECT $1, u, 'pending', 0, $3 FROM unnest($2::text[]) AS u RETURNING *",
          [alertId, [...webhooks], at],
        );
        alerts.push(...alertsOf(inserted.rows, deliveries.rows));
        if (retrain !== null && a.state === 'drift') await this.jobs.enqueueWith(client, alertRetrainJob({ id: alertId, model: a.model, version: a.version }, retrain));
      }
      await client.query('UPDATE drift_windows SET alerted = true WHERE id = ANY($1::bigint[])', [windows.map((w) => w.id)]);
      return { windows: windows.length, alerts };
    });
  }

  async alertStreams(filter: { model?: string; version?: string } = {}): Promise<AlertStream[]> {
    const { sql, params } = alertWhere(filter, (n) => `$${n}`);
    const { rows } = await this.pool.query<AlertStreamRow>(`SELECT * FROM alert_streams ${sql} ORDER BY model, version, device_class`, params);
    return rows.map(streamOf);
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const { sql, params } = alertWhere(filter, (n) => `$${n}`);
    const { rows } = await this.pool.query<AlertRow>(`SELECT * FROM alerts ${sql} ORDER BY id DESC LIMIT $${params.length + 1}`, [...params, filter.limit]);
    if (rows.length === 0) return [];
    const deliveries = await this.pool.query<DeliveryRow>('SELECT * FROM alert_deliveries WHERE alert_id = ANY($1::bigint[]) ORDER BY id', [rows.map((r) => Number(r.id))]);
    return alertsOf(rows, deliveries.rows);
  }

  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.transaction(async (client) => {
      const due = await client.query<DeliveryRow>(
        `UPDATE alert_deliveries SET next_attempt_at = $2 WHERE id IN (
           SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
         ) RETURNING *`,
        [now, leaseUntil, limit],
      );
      if (due.rows.length === 0) return [];
      const alertIds = [...new Set(due.rows.map((d) => Number(d.alert_id)))];
      const alertRows = await client.query<AlertRow>('SELECT * FROM alerts WHERE id = ANY($1::bigint[])', [alertIds]);
      const deliveries = await client.query<DeliveryRow>('SELECT * FROM alert_deliveries WHERE alert_id = ANY($1::bigint[]) ORDER BY id', [alertIds]);
      const alerts = new Map(alertsOf(alertRows.rows, deliveries.rows).map((a) => [a.id, a]));
      return due.rows.map((d) => {
        const alert = alerts.get(Number(d.alert_id))!;
        return { ...alert.deliveries.find((x) => x.id === Number(d.id))!, alert };
      });
    });
  }

  async finishDelivery(id: number, outcome: DeliveryOutcome): Promise<void> {
    if (outcome.delivered) {
      await this.pool.query("UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, last_error = NULL WHERE id = $1 AND status = 'pending'", [id, outcome.at]);
    } else if (outcome.nextAttemptAt === null) {
      await this.pool.query("UPDATE alert_deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1 AND status = 'pending'", [id, outcome.error.slice(0, 500)]);
    } else {
      await this.pool.query("UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending'", [id, outcome.nextAttemptAt, outcome.error.slice(0, 500)]);
    }
  }
}
