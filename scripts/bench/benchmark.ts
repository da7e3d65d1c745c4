/** The contract between `scripts/bench/run.ts` and each benchmark. */
import type { ProgressLog } from './progress-log.ts';

/** What a benchmark hands back: the JSON written to `bench-results/<name>.json`, and a table for the terminal. */
export interface BenchmarkOutput {
  json: unknown;
  /** Markdown table(s), ready to paste into docs/BENCHMARKS.md. */
  table: string;
}

/** One benchmark of the registry in run.ts. */
export interface Benchmark {
  /** Runs it with the command-line arguments that follow its name. */
  run(args: readonly string[], progress: ProgressLog): Promise<BenchmarkOutput>;
}
