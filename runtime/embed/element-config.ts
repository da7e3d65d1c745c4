/**
 * Reads an `<edge-model>` element's attributes into one checked, frozen config. Pure:
 * it takes an attribute getter, so it runs in Node for the unit tests.
 */
import type { BackendId } from '../engine/types.ts';
import type { PrecisionOption } from '../engine/artifact-choice.ts';

/** Where the element's model comes from. */
export type ModelSourceConfig =
  | { kind: 'url'; url: string }
  | { kind: 'registry'; registry: string; name: string; alias: string | undefined };

/** The element's resolved attributes. */
export interface EdgeModelConfig {
  /** `null` until `src` or `registry` + `name` are set. */
  source: ModelSourceConfig | null;
  backend: BackendId | 'auto';
  precision: PrecisionOption;
  /** Id of the `<img>`, `<canvas>` or `<video>` to read. */
  for: string | null;
  topK: number;
  trustedKeys: readonly string[];
  loading: 'lazy' | 'eager';
  render: 'list' | 'none';
  /**
   * Drift telemetry (counts only, docs/TELEMETRY.md) to a sync endpoint, with its app
   * token: `telemetry-endpoint` + `telemetry-token`. Null: none.
   */
  telemetry: { endpoint: string; token: string } | null;
}

/** Every attribute the element reads (its `observedAttributes`). */
export const EDGE_MODEL_ATTRIBUTES = ['src', 'registry', 'name', 'alias', 'backend', 'precision', 'for', 'top-k', 'trusted-keys', 'loading', 'render', 'telemetry-endpoint', 'telemetry-token'] as const;

/** Attributes whose change means loading the model again. */
export const RELOAD_ATTRIBUTES: ReadonlySet<string> = new Set(['src', 'registry', 'name', 'alias', 'backend', 'precision', 'trusted-keys', 'telemetry-endpoint', 'telemetry-token']);

const PRECISIONS: readonly PrecisionOption[] = ['auto', 'fp32', 'fp16', 'int8', 'int4'];

/** Reads the attributes; bad values throw `TypeError`/`RangeError` naming the attribute. */
export function readElementConfig(get: (name: string) => string | null): EdgeModelConfig {
  const src = get('src');
  const registry = get('registry');
  const name = get('name');
  let source: ModelSourceConfig | null = null;
  if (src) source = { kind: 'url', url: src };
  else if (registry && name) source = { kind: 'registry', registry, name, alias: get('alias') ?? undefined };
  else if (registry || name) throw new TypeError('<edge-model> needs both registry and name (or a src manifest URL)');

  const backend = get('backend') ?? 'auto';
  // The full check is the runtime's (backend-table.ts); importing the table here would
  // pull the engines' chunks into the main-thread loader.
  if (backend !== 'auto' && !/^(tfjs|ort)-[a-z]+$/.test(backend)) throw new RangeError(`<edge-model backend> must be 'auto' or a backend id such as 'ort-wasm' (got ${JSON.stringify(backend)})`);
  const precision = (get('precision') ?? 'auto') as PrecisionOption;
  if (!PRECISIONS.includes(precision)) throw new RangeError(`<edge-model precision> must be one of ${PRECISIONS.join(', ')} (got ${JSON.stringify(precision)})`);
  const topKText = get('top-k') ?? '3';
  const topK = Number(topKText);
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`<edge-model top-k> must be a positive integer (got ${JSON.stringify(topKText)})`);
  const loading = get('loading') ?? 'eager';
  if (loading !== 'lazy' && loading !== 'eager') throw new RangeError(`<edge-model loading> must be 'lazy' or 'eager' (got ${JSON.stringify(loading)})`);
  const render = get('render') === 'none' ? 'none' : 'list';
  const trustedKeys = (get('trusted-keys') ?? '').split(/[\s,]+/).filter(Boolean);
  const telemetryEndpoint = get('telemetry-endpoint');
  const telemetryToken = get('telemetry-token');
  if (Boolean(telemetryEndpoint) !== Boolean(telemetryToken)) {
    throw new TypeError('<edge-model> telemetry needs both telemetry-endpoint (the sync endpoint\'s URL) and telemetry-token (its app token)');
  }
  return Object.freeze({
    source: source && Object.freeze(source),
    backend: backend as BackendId | 'auto',
    precision,
    for: get('for') || null,
    topK,
    trustedKeys: Object.freeze(trustedKeys),
    loading,
    render,
    telemetry: telemetryEndpoint && telemetryToken ? Object.freeze({ endpoint: telemetryEndpoint, token: telemetryToken }) : null,
  });
}

/** One row of the rendered result list. */
export interface ResultRow {
  label: string;
  /** The score as a whole percentage, e.g. `98 %` → 98. */
  percent: number;
  /** What a screen reader and the list say: `7: 98%`. */
  text: string;
}

/** The rows the default rendering shows for a prediction's top-k. */
export function resultRows(topK: readonly { label: string; score: number }[]): ResultRow[] {
  return topK.map(({ label, score }) => {
    const percent = Math.round(Math.min(1, Math.max(0, score)) * 100);
    return { label, percent, text: `${label}: ${percent}%` };
  });
}
