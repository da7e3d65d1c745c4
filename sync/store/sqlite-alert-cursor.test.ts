/**
 * Migration 010 replaces the per-window `alerted` flag with one high-water mark: a
 * database written by an older endpoint, with windows both judged and not yet judged by
 * the alert machine, must go on with exactly the windows not yet judged.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAtVersion } from '../../test-support/sync/sqlite-at-version.ts';
import { SqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A `sync.db` at schema v9 holding windows with these `alerted` flags, in id order. */
function v9Database(alerted: number[]): string {
  const { dir, db } = sqliteAtVersion(9, 'edgeloop-cursor-');
  dirs.push(dir);
  const insert = db.prepare(
    `INSERT INTO drift_windows (model, version, device_class, window_start, window_end, received_at, sample_size, status, drifted, evaluated, epsilon, report, alerted)
     VALUES ('m', '1.0.0', 'phone', ?, ?, ?, 100, 'ok', 0, 2, NULL, '{"signals":[],"counts":{}}', ?)`,
  );
  alerted.forEach((flag, i) => {
    const start = new Date(Date.UTC(2026, 10, 23, i)).toISOString();
    insert.run(start, new Date(Date.UTC(2026, 10, 23, i + 1)).toISOString(), start, flag);
  });
  db.close();
  return dir;
}

/** The ids of the windows each alert pass is given, passes of `limit`, until one finds none. */
async function passes(store: SqliteStore, limit: number): Promise<number[][]> {
  const seen: number[][] = [];
  for (;;) {
    const ids: number[] = [];
    const { windows } = await store.advanceAlerts(limit, [], '2026-12-07T00:00:00.000Z', (ws) => {
      ids.push(...ws.map((w) => w.id));
      return { streams: [], alerts: [] };
    });
    if (windows === 0) return seen;
    seen.push(ids);
  }
}

describe('migration 010: the alert machine’s high-water mark', () => {
  const cases: Array<[string, number[], number[][]]> = [
    ['judged windows, then windows not yet judged', [1, 1, 1, 0, 0], [[4, 5]]],
    ['nothing judged yet', [0, 0, 0], [[1, 2, 3]]],
    ['everything judged', [1, 1], []],
    ['no windows at all', [], []],
  ];
  for (const [what, alerted, expected] of cases) {
    it(`${what}: the upgraded store judges ${JSON.stringify(expected)}`, async () => {
      const store = SqliteStore.open(v9Database(alerted));
      try {
        expect(await passes(store, 1000)).toEqual(expected);
      } finally {
        await store.close();
      }
    });
  }

  it('windows stored after the upgrade are judged once, in order, across passes', async () => {
    const dir = v9Database([1, 0]);
    const first = SqliteStore.open(dir);
    expect(await passes(first, 1000)).toEqual([[2]]);
    await first.close();
    const db = new Database(join(dir, 'sync.db'));
    const insert = db.prepare(
      `INSERT INTO drift_windows (model, version, device_class, window_start, window_end, received_at, sample_size, status, drifted, evaluated, epsilon, report)
       VALUES ('m', '1.0.0', 'phone', '2026-11-24T00:00:00.000Z', '2026-11-24T01:00:00.000Z', '2026-11-24T01:00:00.000Z', 100, 'ok', 0, 2, NULL, '{}')`,
    );
    for (let i = 0; i < 5; i++) insert.run();
    db.close();
    const again = SqliteStore.open(dir);
    try {
      expect(await passes(again, 2)).toEqual([[3, 4], [5, 6], [7]]);
    } finally {
      await again.close();
    }
  });
});
