/**
 * Random or grid search over hyperparameters: each trial is a short run the caller
 * supplies (`runTrial`), so the search itself knows nothing about models and runs
 * wherever the trials run.
 */
import { createSeededRandom, type RandomSource } from '../data/seeded-random.ts';
import { TrainerError } from '../errors.ts';

/** A value a hyperparameter can take. */
export type HyperparameterValue = number | string | boolean;

/**
 * One dimension of the search space: a list of choices, or a numeric range
 * (random search only) sampled uniformly, or log-uniformly with `scale: 'log'`
 * (for learning rates), rounded with `integer`.
 */
export type HyperparameterDomain =
  | readonly HyperparameterValue[]
  | { min: number; max: number; scale?: 'linear' | 'log'; integer?: boolean };

/** Names to domains, e.g. `{ learningRate: { min: 1e-4, max: 1e-2, scale: 'log' }, batchSize: [32, 64] }`. */
export type SearchSpace = Record<string, HyperparameterDomain>;

/** One sampled configuration. */
export type TrialParams = Record<string, HyperparameterValue>;

/** What a trial reports: the metric the search ranks by, plus anything to show in the table. */
export interface TrialOutcome {
  /** The validation metric (e.g. accuracy); higher is better unless `goal` is `'minimize'`. */
  metric: number;
  /** Extra numbers for the table (training loss, seconds …). */
  extra?: Record<string, number>;
}

/** One row of the results table. */
export interface TrialResult {
  /** 0-based order in which the trial ran. */
  trial: number;
  params: TrialParams;
  metric: number;
  extra?: Record<string, number>;
  millis: number;
}

/** Options of {@link searchHyperparameters}. */
export interface SearchOptions {
  /** @defaultValue 'random' */
  strategy?: 'random' | 'grid';
  /** Trials to run (grid: at most, in grid order; default the whole grid). @defaultValue 10 for random */
  trials?: number;
  /** Seed of random sampling. @defaultValue 0 */
  seed?: number;
  /** @defaultValue 'maximize' */
  goal?: 'maximize' | 'minimize';
  /** Runs one short training run with `params` and reports its validation metric. */
  runTrial: (params: TrialParams, trial: number) => Promise<TrialOutcome> | TrialOutcome;
  /** Called after each trial. */
  onTrial?: (result: TrialResult) => void;
  /** Stops between trials with `TRAINING_ABORTED`. */
  signal?: AbortSignal;
}

/** The outcome of a search. */
export interface SearchResult {
  /** All trials, best first. */
  results: TrialResult[];
  best: TrialResult;
}

function invalid(field: string, message: string, value: unknown): TrainerError {
  return new TrainerError('CONFIG_INVALID', `search space ${field} ${message}`, { details: { field, value } });
}

function checkSpace(space: SearchSpace, strategy: 'random' | 'grid'): void {
  const names = Object.keys(space);
  if (names.length === 0) throw invalid('(root)', 'is empty; give at least one hyperparameter', space);
  for (const name of names) {
    const domain = space[name];
    if (Array.isArray(domain)) {
      if (domain.length === 0) throw invalid(name, 'has no choices', domain);
      continue;
    }
    const range = domain as { min: unknown; max: unknown; scale?: unknown };
    if (strategy === 'grid') throw invalid(name, 'is a range; grid search needs a list of values', domain);
    if (typeof range.min !== 'number' || typeof range.max !== 'number' || !(range.min <= range.max)) {
      throw invalid(name, `needs numbers min ≤ max, got ${JSON.stringify(domain)}`, domain);
    }
    if (range.scale === 'log' && !(range.min > 0)) throw invalid(name, 'has scale log, so min must be > 0', domain);
  }
}

function sample(domain: HyperparameterDomain, random: RandomSource): HyperparameterValue {
  if (Array.isArray(domain)) return domain[Math.floor(random() * domain.length)];
  const { min, max, scale = 'linear', integer = false } = domain as Exclude<HyperparameterDomain, readonly HyperparameterValue[]>;
  const u = random();
  const value = scale === 'log' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  return integer ? Math.round(value) : value;
}

/** Every combination of the (list) domains, the last name varying fastest. */
function grid(space: SearchSpace): TrialParams[] {
  let combos: TrialParams[] = [{}];
  for (const [name, domain] of Object.entries(space)) {
    combos = combos.flatMap((c) => (domain as readonly HyperparameterValue[]).map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/**
 * Runs `trials` short runs over `space` one after another and ranks them by their
 * metric. A trial that throws is recorded with metric `NaN` (ranked last, its error
 * message in the console is the caller's business) unless it is an abort.
 *
 * @throws {TrainerError} `CONFIG_INVALID` for an empty or malformed space or bad
 *   options, `TRAINING_ABORTED` when `signal` aborts, and rethrows the first trial
 *   error when every trial failed.
 */
export async function searchHyperparameters(space: SearchSpace, options: SearchOptions): Promise<SearchResult> {
  const { strategy = 'random', seed = 0, goal = 'maximize', runTrial, onTrial, signal } = options;
  if (strategy !== 'random' && strategy !== 'grid') throw invalid('strategy', `must be random or grid, got ${JSON.stringify(strategy)}`, strategy);
  checkSpace(space, strategy);
  const all = strategy === 'grid' ? grid(space) : undefined;
  const trials = options.trials ?? all?.length ?? 10;
  if (!Number.isInteger(trials) || trials < 1) throw invalid('trials', `must be a positive integer, got ${trials}`, trials);
  const random = createSeededRandom(seed);
  const candidates: TrialParams[] =
    all?.slice(0, trials) ??
    Array.from({ length: trials }, () => Object.fromEntries(Object.entries(space).map(([name, domain]) => [name, sample(domain, random)])));

  const results: TrialResult[] = [];
  let firstError: unknown;
  for (const [trial, params] of candidates.entries()) {
    if (signal?.aborted) {
      throw new TrainerError('TRAINING_ABORTED', `hyperparameter search aborted after ${trial} of ${candidates.length} trials`, { details: { trial }, cause: signal.reason });
    }
    const started = performance.now();
    let result: TrialResult;
    try {
      const outcome = await runTrial(params, trial);
      result = { trial, params, metric: outcome.metric, extra: outcome.extra, millis: performance.now() - started };
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === 'TRAINING_ABORTED') throw error;
      firstError ??= error;
      result = { trial, params, metric: Number.NaN, millis: performance.now() - started };
    }
    results.push(result);
    onTrial?.(result);
  }
  if (results.every((r) => Number.isNaN(r.metric))) throw firstError;
  const sign = goal === 'maximize' ? -1 : 1;
  results.sort((a, b) => {
    if (Number.isNaN(a.metric) || Number.isNaN(b.metric)) return Number.isNaN(a.metric) ? (Number.isNaN(b.metric) ? a.trial - b.trial : 1) : -1;
    return sign * (a.metric - b.metric) || a.trial - b.trial;
  });
  return { results, best: results[0] };
}

function formatValue(value: HyperparameterValue | undefined): string {
  if (typeof value !== 'number') return String(value ?? '');
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5 ? value.toExponential(2) : value.toPrecision(4);
}

/**
 * Renders results (best first, as {@link searchHyperparameters} returns them) as a
 * fixed-width text table for a terminal: rank, trial, each parameter, the metric
 * (under `metricName`), extras and seconds.
 */
export function formatResultsTable(results: readonly TrialResult[], metricName = 'metric'): string {
  const paramNames = [...new Set(results.flatMap((r) => Object.keys(r.params)))];
  const extraNames = [...new Set(results.flatMap((r) => Object.keys(r.extra ?? {})))];
  const header = ['#', 'trial', ...paramNames, metricName, ...extraNames, 's'];
  const rows = results.map((r, i) => [
    String(i + 1),
    String(r.trial),
    ...paramNames.map((n) => formatValue(r.params[n])),
    Number.isNaN(r.metric) ? 'failed' : r.metric.toFixed(4),
    ...extraNames.map((n) => formatValue(r.extra?.[n])),
    (r.millis / 1000).toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 + paramNames.length ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
