/**
 * Internal to the manifest validator: the `baseline` part of `edgeloop/1`, the frozen
 * drift reference (fixed bin edges and counts per monitored signal). See
 * validate-manifest.ts.
 */
import { array, describe, fail, indexPath, integer, keyPath, numbers, strictObject, string } from './json-checks.ts';
import type { Baseline, BaselineSignal } from './manifest.ts';
import { MANIFEST_LIMITS } from './manifest-limits.ts';

const L = MANIFEST_LIMITS;

const SHAPE = {
  baseline: { required: ['signals'] },
  signal: { required: ['name', 'edges', 'counts'] },
} as const;

/** The `baseline` of a manifest: unique signal names, strictly increasing edges, one count per bin. */
export function baseline(value: unknown, field: string): Baseline {
  const o = strictObject(value, field, SHAPE.baseline);
  const at = keyPath(field, 'signals');
  const names = new Map<string, string>();
  const signals = array(o.signals, at, 0, L.maxSignals, 'signals').map((item, i): BaselineSignal => {
    const signalAt = indexPath(at, i);
    const s = strictObject(item, signalAt, SHAPE.signal);
    const nameAt = keyPath(signalAt, 'name');
    const name = string(s.name, nameAt, 1, 128);
    const first = names.get(name);
    if (first !== undefined) fail(nameAt, 'duplicate', `repeats signal name ${describe(name)} of ${first}; signal names must be unique`);
    names.set(name, nameAt);
    const edgesAt = keyPath(signalAt, 'edges');
    const edges = numbers(s.edges, edgesAt, 2, L.maxBins + 1);
    for (let k = 1; k < edges.length; k++) {
      if (!(edges[k] > edges[k - 1])) {
        fail(indexPath(edgesAt, k), 'value', `must be greater than ${indexPath(edgesAt, k - 1)} (${edges[k - 1]}): edges must increase strictly (got ${edges[k]})`);
      }
    }
    const countsAt = keyPath(signalAt, 'counts');
    const rawCounts = array(s.counts, countsAt, 1, L.maxBins, 'counts');
    if (rawCounts.length !== edges.length - 1) {
      fail(countsAt, 'length', `must have one count per bin: edges.length - 1 = ${edges.length - 1} entries (got ${rawCounts.length})`);
    }
    const counts = rawCounts.map((count, k) =>
      integer(count, indexPath(countsAt, k), 0, Number.MAX_SAFE_INTEGER, 'a count: a non-negative integer'),
    );
    return { name, edges, counts };
  });
  return { signals };
}
