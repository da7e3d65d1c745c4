/** The options the browser benchmarks share: `--repeats <n>` and `--skip-prepare`. */
import { parseArgs } from 'node:util';

/** Parses `args`; `--repeats` must be a positive integer. */
export function repeatsAndPrepare(args: readonly string[], defaultRepeats: number): { repeats: number; prepare: boolean } {
  const { values } = parseArgs({ args: [...args], options: { repeats: { type: 'string', default: String(defaultRepeats) }, 'skip-prepare': { type: 'boolean', default: false } } });
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be a positive integer (got ${values.repeats})`);
  return { repeats, prepare: !values['skip-prepare'] };
}
