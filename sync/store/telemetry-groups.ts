/**
 * Telemetry batches as the stores group-commit them: how many one commit takes, and their
 * aggregate increments merged, one per cell, in primary-key order.
 */
import type { AggregateIncrement, TelemetryBatch } from './store.ts';

/** Orders cells by the aggregates' primary key (model, version, hour, kind, key, bin). */
function compareCells(a: AggregateIncrement, b: AggregateIncrement): number {
  if (a.model !== b.model) return a.model < b.model ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.hour !== b.hour) return a.hour < b.hour ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.bin - b.bin;
}

/**
 * The increments of several batches committed together, one per cell, in primary-key
 * order. Batches from one hour of one version share most of their cells, so a group
 * commit upserts each cell once instead of once a batch (upserted once a batch, the
 * cells were a fifth of a stored batch's cost in `bench sync`'s stage probe), and writers
 * that take the cells' row locks in this order cannot deadlock each other.
 */
export function mergeIncrements(batches: readonly (readonly AggregateIncrement[])[]): AggregateIncrement[] {
  const cells = new Map<string, AggregateIncrement>();
  for (const increments of batches) {
    for (const c of increments) {
      const id = `${c.model}\u0000${c.version}\u0000${c.hour}\u0000${c.kind}\u0000${c.key}\u0000${c.bin}`;
      const cell = cells.get(id);
      if (cell === undefined) cells.set(id, { ...c });
      else cell.count += c.count;
    }
  }
  return [...cells.values()].sort(compareCells);
}

/** Batches one commit takes at most; more wait for the next. */
const MAX_GROUP = 64;
/**
 * Rows (aggregate cells and windows) one commit takes at most, past its first batch: a
 * batch may carry up to 500 windows and 20,000 cells, and 64 of those in one commit would
 * hold the writer for seconds (SQLite: the event loop; PostgreSQL: a connection and the
 * cells' row locks).
 */
const MAX_GROUP_ROWS = 20_000;

/** The first batches of `queue` that one commit takes: at least one, then up to {@link MAX_GROUP} and {@link MAX_GROUP_ROWS}. */
export function takeGroup<T extends { batch: Pick<TelemetryBatch, 'aggregates' | 'driftWindows'> }>(queue: T[]): T[] {
  let rows = 0;
  let n = 0;
  while (n < queue.length && n < MAX_GROUP) {
    const { batch } = queue[n]!;
    rows += batch.aggregates.length + batch.driftWindows.length;
    if (n > 0 && rows > MAX_GROUP_ROWS) break;
    n++;
  }
  return queue.splice(0, n);
}
