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

const WINDOW_INSERT = 'INSERT INTO drift_windows (model, version, device_class, window_start, window_end, received_at, sample_size, status, drifted, evaluated, epsilon, report) VALUES';
const WINDOW_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Rows per multi-row INSERT: 12 parameters each, far under SQLite's 32,766. */
const WINDOWS_PER_INSERT = 64;

/** What the alert machine reads of each window, as a raw row (an array: no object per row). */
type LeanWindowRow = [id: number, model: string, version: string, deviceClass: string, windowStart: string, windowEnd: string, status: string, drifted: number, evaluated: number];
/** The rest of a window, read on first use (inside the pass's transaction). */
type WindowRest = { received_at: string; sample_size: number; epsilon: number | null; report: string };

/**
 * A window as the alert machine reads it: the columns it steps on, from one lean row; the
 * others (its report above all, ~0.7 KB) read from the table only if something asks.
 * Reading every column of every window was most of a pass's CPU.
 */
class LeanWindow implements DriftWindowRecord {
  readonly id: number;
  readonly model: string;
  readonly version: string;
  readonly deviceClass: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly status: DriftWindowRecord['status'];
  readonly drifted: number;
  readonly evaluated: number;
  readonly #restOf: Database.Statement<[number], WindowRest>;
  #rest: WindowRest | undefined;

  constructor(row: LeanWindowRow, restOf: Database.Statement<[number], WindowRest>) {
    [this.id, this.model, this.version, this.deviceClass, this.windowStart, this.windowEnd] = row;
    this.status = row[6] as DriftWindowRecord['status'];
    this.drifted = row[7];
    this.evaluated = row[8];
    this.#restOf = restOf;
  }

  #read(): WindowRest {
    return (this.#rest ??= this.#restOf.get(this.id)!);
  }

  get receivedAt(): string {
    return this.#read().received_at;
  }

  get sampleSize(): number {
    return this.#read().sample_size;
  }

  get epsilon(): number | null {
    return this.#read().epsilon;
  }

  get report(): string {
    return this.#read().report;
  }
}

export class SqliteDrift implements DriftStore {
  readonly #db: Database.Database;
  readonly #s;

  readonly #jobs: SqliteJobQueue;
  readonly #inserts = new Map<number, Database.Statement<unknown[]>>();

  /** Runs a write transaction and resolves once it is durable (the store's WAL sync, off the event loop). */
  readonly #commit: <T>(work: () => T) => Promise<T>;

  constructor(db: Database.Database, jobs: SqliteJobQueue, commit: <T>(work: () => T) => Promise<T>) {
    this.#db = db;
    this.#jobs = jobs;
    this.#commit = commit;
    this.#s = {
      // Without the report: the alert machine reads it only for the windows that turn a
      // stream (see advanceAlerts), and reading every window's report was most of a pass.
      // The windows after the alert machine's high-water mark (migration 010: SQLite's one
      // writer commits windows in id order, so the mark is exact).
      unalerted: db
        .prepare<[number], LeanWindowRow>(
          'SELECT id, model, version, device_class, window_start, window_end, status, drifted, evaluated FROM drift_windows WHERE id > (SELECT last_window_id FROM drift_alert_cursor) ORDER BY id LIMIT ?',
        )
        .raw(true) as unknown as Database.Statement<[number], LeanWindowRow>,
      restOf: db.prepare<[number], WindowRest>('SELECT received_at, sample_size, epsilon, report FROM drift_windows WHERE id = ?'),
      markAlerted: db.prepare('UPDATE drift_alert_cursor SET last_window_id = ?'),
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

  /** Inserts a batch's windows, up to {@link WINDOWS_PER_INSERT} rows a statement (a fifth cheaper than one each); called inside the batch's transaction. */
  insertWindows(windows: readonly NewDriftWindow[]): void {
    for (let start = 0; start < windows.length; start += WINDOWS_PER_INSERT) {
      const chunk = windows.slice(start, start + WINDOWS_PER_INSERT);
      const params: unknown[] = [];
      for (const w of chunk) params.push(w.model, w.version, w.deviceClass, w.windowStart, w.windowEnd, w.receivedAt, w.sampleSize, w.status, w.drifted, w.evaluated, w.epsilon, w.report);
      this.#insertRows(chunk.length).run(...params);
    }
  }

  /** The INSERT of `rows` windows, prepared once per row count. */
  #insertRows(rows: number): Database.Statement<unknown[]> {
    let statement = this.#inserts.get(rows);
    if (statement === undefined) {
      statement = this.#db.prepare(`${WINDOW_INSERT} ${Array.from({ length: rows }, () => WINDOW_VALUES).join(', ')}`);
      this.#inserts.set(rows, statement);
    }
    return statement;
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
    // Committed through the store's WAL sync: a pass every 100 ms under ingest would
    // otherwise fsync on the event loop each time, stalling every request meanwhile.
    return this.#commit(() => {
      const restOf = this.#s.restOf;
      // The rest of a window is read on demand, inside this transaction (better-sqlite3 is synchronous).
      const windows: DriftWindowRecord[] = this.#s.unalerted.all(limit).map((row) => new LeanWindow(row, restOf));
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
      // `unalerted` read the oldest windows past the mark in id order, and this transaction
      // is the only writer: every window up to the last one read is one of them.
      this.#s.markAlerted.run(windows[windows.length - 1]!.id);
      return { windows: windows.length, alerts };
    });
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
