/**
 * The drift half of the SQLite store. better-sqlite3 is synchronous and SQLite has one
 * writer: an IMMEDIATE transaction run to its end without yielding is the whole
 * serialisation the alert machine needs.
 */
import type Database from 'better-sqlite3';
import { alertRetrainJob, type AlertRetrain } from '../jobs/job-records.ts';
import type { SqliteJobQueue } from '../jobs/sqlite-job-queue.ts';
import type { AlertFilter, AlertRecord, AlertStep, AlertStream, ClaimedDelivery, DeliveryOutcome, DriftStore, DriftWindowFilter, DriftWindowRecord, NewDriftWindow } from './drift-records.ts';
import { streamKey } from './drift-records.ts';
import { alertsOf, alertWhere, STREAM_COLUMNS, STREAM_UPDATE, streamOf, streamParams, windowOf, type AlertRow, type AlertStreamRow, type DeliveryRow, type DriftWindowRow } from './drift-rows.ts';

export class SqliteDrift implements DriftStore {
  readonly #db: Database.Database;
  readonly #s;

  readonly #jobs: SqliteJobQueue;

  constructor(db: Database.Database, jobs: SqliteJobQueue) {
    this.#db = db;
    this.#jobs = jobs;
    this.#s = {
      insertWindow: db.prepare(
        `INSERT INTO drift_windows (model, version, device_class, window_start, window_end, received_at, sample_size, status, drifted, evaluated, epsilon, report)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Without the report: the alert machine reads it only for the windows that turn a
      // stream (see advanceAlerts), and reading every window's report was most of a pass.
      unalerted: db.prepare<[number], Omit<DriftWindowRow, 'report'>>(
        'SELECT id, model, version, device_class, window_start, window_end, received_at, sample_size, status, drifted, evaluated, epsilon FROM drift_windows WHERE alerted = 0 ORDER BY id LIMIT ?',
      ),
      reportOf: db.prepare<[number], { report: string }>('SELECT report FROM drift_windows WHERE id = ?'),
      markAlerted: db.prepare('UPDATE drift_windows SET alerted = 1 WHERE alerted = 0 AND id <= ?'),
      stream: db.prepare<[string, string, string], AlertStreamRow>('SELECT * FROM alert_streams WHERE model = ? AND version = ? AND device_class = ?'),
      upsertStream: db.prepare(
        `INSERT INTO alert_streams (${STREAM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, version, device_class) DO UPDATE SET ${STREAM_UPDATE}`,
      ),
      insertAlert: db.prepare('INSERT INTO alerts (model, version, device_class, state, previous, at, window_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertDelivery: db.prepare("INSERT INTO alert_deliveries (alert_id, url, status, attempts, next_attempt_at) VALUES (?, ?, 'pending', 0, ?)"),
      alertById: db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?'),
      deliveriesOf: db.prepare<[number], DeliveryRow>('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY id'),
      due: db.prepare<[string, number], DeliveryRow>("SELECT * FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
      lease: db.prepare('UPDATE alert_deliveries SET next_attempt_at = ? WHERE id = ?'),
      delivered: db.prepare("UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'"),
      retry: db.prepare("UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'"),
      failed: db.prepare("UPDATE alert_deliveries SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'"),
    };
  }

  /** Inserts a batch's windows; called inside the batch's transaction. */
  insertWindows(windows: readonly NewDriftWindow[]): void {
    for (const w of windows) {
      this.#s.insertWindow.run(w.model, w.version, w.deviceClass, w.windowStart, w.windowEnd, w.receivedAt, w.sampleSize, w.status, w.drifted, w.evaluated, w.epsilon, w.report);
    }
  }

  async driftWindows(f: DriftWindowFilter): Promise<DriftWindowRecord[]> {
    const params: unknown[] = [f.model, f.version, f.from, f.to];
    let sql = 'SELECT * FROM drift_windows WHERE model = ? AND version = ? AND window_start >= ? AND window_start < ?';
    if (f.deviceClass !== undefined) {
      sql += ' AND device_class = ?';
      params.push(f.deviceClass);
    }
    sql += ' ORDER BY window_start DESC, id DESC LIMIT ?';
    params.push(f.limit);
    return this.#db.prepare<unknown[], DriftWindowRow>(sql).all(...params).map(windowOf);
  }

  async advanceAlerts(
    limit: number,
    webhooks: readonly string[],
    at: string,
    step: (windows: DriftWindowRecord[], streams: ReadonlyMap<string, AlertStream>) => AlertStep,
    retrain: AlertRetrain | null = null,
  ): Promise<{ windows: number; alerts: AlertRecord[] }> {
    return this.#db.transaction(() => {
      const reportOf = this.#s.reportOf;
      // The report is read on demand, inside this transaction (better-sqlite3 is synchronous).
      const windows = this.#s.unalerted.all(limit).map((row) =>
        Object.defineProperty(windowOf({ ...row, report: '' }), 'report', { get: () => reportOf.get(Number(row.id))!.report, enumerable: true }),
      );
      if (windows.length === 0) return { windows: 0, alerts: [] };
      const streams = new Map<string, AlertStream>();
      for (const w of windows) {
        const key = streamKey(w);
        if (streams.has(key)) continue;
        const row = this.#s.stream.get(w.model, w.version, w.deviceClass);
        if (row) streams.set(key, streamOf(row));
      }
      const decided = step(windows, streams);
      for (const s of decided.streams) this.#s.upsertStream.run(...streamParams(s));
      const alerts: AlertRecord[] = [];
      for (const a of decided.alerts) {
        const id = Number(this.#s.insertAlert.run(a.model, a.version, a.deviceClass, a.state, a.previous, a.at, a.windowId, a.detail).lastInsertRowid);
        for (const url of webhooks) this.#s.insertDelivery.run(id, url, at);
        if (retrain !== null && a.state === 'drift') this.#jobs.enqueueNow(alertRetrainJob({ id, model: a.model, version: a.version }, retrain), at);
        alerts.push(...alertsOf(this.#s.alertById.all(id), this.#s.deliveriesOf.all(id)));
      }
      // `unalerted` read the oldest unalerted windows in id order, and this transaction is
      // the only writer: every unalerted window up to the last one read is one of them.
      this.#s.markAlerted.run(windows[windows.length - 1]!.id);
      return { windows: windows.length, alerts };
    }).immediate();
  }

  async alertStreams(filter: { model?: string; version?: string } = {}): Promise<AlertStream[]> {
    const { sql, params } = alertWhere(filter, () => '?');
    return this.#db.prepare<unknown[], AlertStreamRow>(`SELECT * FROM alert_streams ${sql} ORDER BY model, version, device_class`).all(...params).map(streamOf);
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const { sql, params } = alertWhere(filter, () => '?');
    const rows = this.#db.prepare<unknown[], AlertRow>(`SELECT * FROM alerts ${sql} ORDER BY id DESC LIMIT ?`).all(...params, filter.limit);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const deliveries = this.#db.prepare<unknown[], DeliveryRow>(`SELECT * FROM alert_deliveries WHERE alert_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`).all(...ids);
    return alertsOf(rows, deliveries);
  }

  async claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.#db.transaction(() => {
      const due = this.#s.due.all(now, limit);
      return due.map((d) => {
        this.#s.lease.run(leaseUntil, d.id);
        const alert = alertsOf(this.#s.alertById.all(Number(d.alert_id)), this.#s.deliveriesOf.all(Number(d.alert_id)))[0]!;
        const delivery = alert.deliveries.find((x) => x.id === Number(d.id))!;
        return { ...delivery, alert };
      });
    }).immediate();
  }

  async finishDelivery(id: number, outcome: DeliveryOutcome): Promise<void> {
    if (outcome.delivered) this.#s.delivered.run(outcome.at, id);
    else if (outcome.nextAttemptAt === null) this.#s.failed.run(outcome.error.slice(0, 500), id);
    else this.#s.retry.run(outcome.nextAttemptAt, outcome.error.slice(0, 500), id);
  }
}
