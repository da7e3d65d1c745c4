/**
 * Migration 011 drops the events JSON from stored telemetry batches: a database written by
 * an older endpoint keeps its batches (so a device retrying one is still answered
 * `duplicate` and counted once), its aggregates and its windows, and new batches store no
 * events text.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAtVersion } from '../../test-support/sync/sqlite-at-version.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { TelemetryBatch } from './store.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const HOUR = '2026-11-23T16:00:00.000Z';
const batch = (batchId: string): TelemetryBatch => ({
  batchId,
  deviceId: 'device-1',
  sender: 'app:k1',
  sentAt: '2026-11-23T17:00:00.000Z',
  receivedAt: '2026-11-23T17:00:01.000Z',
  eventCount: 2,
  aggregates: [{ model: 'm', version: '1.0.0', hour: HOUR, kind: 'events', key: '', bin: 0, count: 2 }],
  dropped: 0,
  driftWindows: [],
});

/** A `sync.db` at schema v10 holding one stored batch with its events JSON and its aggregate. */
function v10Database(): string {
  const { dir, db } = sqliteAtVersion(10, 'edgeloop-raw-events-');
  dirs.push(dir);
  db.prepare('INSERT INTO telemetry_batches (batch_id, device_id, sender, sent_at, received_at, event_count, events, dropped) VALUES (?, ?, ?, ?, ?, ?, ?, 0)').run(
    'old-batch', 'device-1', 'app:k1', '2026-11-23T17:00:00.000Z', '2026-11-23T17:00:01.000Z', 2, '[{"type":"drift"},{"type":"drift"}]',
  );
  db.prepare("INSERT INTO telemetry_aggregates (model, version, hour, kind, key, bin, count) VALUES ('m', '1.0.0', ?, 'events', '', 0, 2)").run(HOUR);
  db.close();
  return dir;
}

describe('SQLite migration 011: no events JSON in stored batches', () => {
  it('keeps an older database\'s batches: a retried one is a duplicate and counted once; new ones store no events', async () => {
    const dir = v10Database();
    const store = SqliteStore.open(dir);
    try {
      expect(await store.ingestTelemetry(batch('old-batch'))).toEqual({ duplicate: true });
      expect(await store.ingestTelemetry(batch('new-batch'))).toEqual({ duplicate: false });
      const summary = await store.summary({ model: 'm', version: '1.0.0' });
      expect(summary.find((r) => r.kind === 'events')?.count).toBe(4);
    } finally {
      await store.close();
    }
    const db = new Database(join(dir, 'sync.db'), { readonly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(telemetry_batches)').all() as { name: string }[]).map((c) => c.name);
      expect(columns).not.toContain('events');
      expect(columns).toEqual(expect.arrayContaining(['batch_id', 'device_id', 'sender', 'event_count', 'dropped']));
      expect(db.prepare('SELECT batch_id FROM telemetry_batches ORDER BY batch_id').all()).toEqual([{ batch_id: 'new-batch' }, { batch_id: 'old-batch' }]);
    } finally {
      db.close();
    }
  });
});
