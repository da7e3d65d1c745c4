/**
 * The trainer-facing stratified split: {@link stratifiedSplit} with its failures as
 * typed {@link TrainerError}s that name the class at fault.
 */
import { TrainerError } from '../errors.ts';
import { resolveSplitFractions, stratifiedSplit, type StratifiedSplit, type StratifiedSplitOptions } from './stratified-split.ts';

/** Options of {@link splitByClass}: the split fractions and seed, plus class names for messages. */
export interface SplitByClassOptions extends StratifiedSplitOptions {
  /** Class names by label index, used in messages. @defaultValue the index as text */
  classes?: readonly string[];
}

/**
 * Splits `labels` (class indices) into train / validation / test indices, stratified by
 * class and seeded; see {@link stratifiedSplit}.
 *
 * @throws {TrainerError} `CLASS_TOO_SMALL` when a class has fewer examples than there
 *   are non-empty splits (details list every such class); `CONFIG_INVALID` for bad
 *   fractions; `DATA_EMPTY` when `labels` is empty.
 */
export function splitByClass(labels: ArrayLike<number>, options: SplitByClassOptions = {}): StratifiedSplit {
  let fractions: ReturnType<typeof resolveSplitFractions>;
  try {
    fractions = resolveSplitFractions(options);
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
    throw new TrainerError('CONFIG_INVALID', `${cause.message.replace(/^stratifiedSplit: /, 'split: ')}`, { cause, details: { field: 'split' } });
  }
  if (labels.length === 0) throw new TrainerError('DATA_EMPTY', 'there are no examples to split', { details: {} });
  const splits = (Object.keys(fractions) as Array<keyof typeof fractions>).filter((name) => fractions[name] > 0);
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const nameOf = (label: number) => options.classes?.[label] ?? String(label);
  const small = [...counts]
    .filter(([, n]) => n < splits.length)
    .sort(([a], [b]) => a - b)
    .map(([label, count]) => ({ class: nameOf(label), label, count }));
  if (small.length > 0) {
    const [first] = small;
    const others = small.length > 1 ? ` (so do ${small.slice(1).map((s) => `"${s.class}"`).join(', ')})` : '';
    throw new TrainerError(
      'CLASS_TOO_SMALL',
      `class "${first.class}" has ${first.count} example(s), but splitting into ${splits.join(', ')} needs at least ${splits.length} per class${others}; ` +
        `add examples of "${first.class}", remove the class, or use fewer splits (e.g. validation: 0)`,
      { details: { class: first.class, count: first.count, required: splits.length, classes: small } },
    );
  }
  return stratifiedSplit(labels, options);
}
