/**
 * Seeded random mutations of valid feedback batches (`POST /v1/feedback`): one to three
 * mutations each — a field set to a wrong type, a hostile string or number, a key removed
 * or added, the input's bytes, shape or dtype changed, examples repeated, dropped or
 * multiplied — and now and then a mutation of the JSON text itself (cut, a byte flipped,
 * a raw `1e309`, a duplicate or `__proto__` key). Unlike fuzz-cases.ts, a mutation may
 * leave a batch valid (another of the model's labels, a repeated example), so a case
 * says only what it sent; fuzz.test.ts checks that no answer is a 5xx and that each
 * batch was stored whole or not at all.
 */
import type { FeedbackExample } from '../../format/index.ts';
import { digitExample, MODEL } from './feedback-examples.ts';
import { seededRandom } from './telemetry-batch.ts';

/** One request to `POST /v1/feedback` (app token). */
export interface FeedbackFuzzCase {
  /** The mutations, for the failure message. */
  what: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** The digits the generator's examples start at, clear of the other suites' (each case takes fresh ones). */
const FIRST_DIGIT = 3000;
const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const JSON_HEADERS = { 'content-type': 'application/json' };
/** Values spliced into the JSON text as written (JSON.stringify cannot write them). */
const RAW = ['1e309', '-1e309', 'NaN', '123456789012345678901234567890', '-0'] as const;
const WRONG_TYPES: unknown[] = [null, true, false, [], {}, [1, 2], { a: 1 }, 0, -1, 1.5, 'x'];
const STRINGS = ['', ' ', 'ten', '__proto__', 'constructor', '٥', '５', '\u0000', '\ud800', 'a'.repeat(1025), 'é'.repeat(300), '../../etc/passwd', '%00', '<script>'];
const NUMBERS = [0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e21, -0.0, 262_145, Number.MAX_SAFE_INTEGER];

type Loose = Record<string, any>;
/** `value` when an earlier mutation left it a plain object, else `undefined`. */
const objectOr = (value: unknown): Loose | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined);

/** Makes `count` cases from `seed`. */
export function makeFeedbackFuzzCases(count: number, seed: number): FeedbackFuzzCase[] {
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  let nextDigit = FIRST_DIGIT;
  const fresh = (): FeedbackExample => digitExample(nextDigit++ % 10_000, { dtype: rand() < 0.7 ? 'uint8' : 'float32', predicted: rand() < 0.3 ? pick(LABELS) : undefined });

  const rawToken = (): string => `__RAW_${int(RAW.length)}__`;
  const text = (value: unknown): string => JSON.stringify(value).replace(/"__RAW_(\d)__"/g, (_, i: string) => RAW[Number(i)]);
  const hostile = (): unknown => {
    const r = rand();
    if (r < 0.3) return pick(WRONG_TYPES);
    if (r < 0.55) return pick(STRINGS);
    if (r < 0.75) return pick(NUMBERS);
    if (r < 0.9) return rawToken();
    let v: unknown = 1;
    for (let d = 1 + int(2000); d > 0; d--) v = rand() < 0.5 ? [v] : { a: v };
    return v;
  };
  const base64Of = (n: number): string => Buffer.from(Array.from({ length: n }, () => int(256))).toString('base64');
  const floatsWith = (bits: number): string => {
    const b = Buffer.alloc(784 * 4);
    for (let i = 0; i < 784; i++) b.writeFloatLE(rand(), i * 4);
    b.writeUInt32LE(bits >>> 0, int(784) * 4);
    return b.toString('base64');
  };

  /** One mutation of an example's input; answers what it did. */
  const mutateInput = (input: Loose): string => {
    const data = typeof input.data === 'string' ? input.data : '';
    switch (int(10)) {
      case 0: {
        const at = int(data.length);
        input.data = data.slice(0, at) + pick(['!', '-', '_', '=', ' ', '\n', 'é', 'A', '/']) + data.slice(at + 1);
        return 'a base64 character changed';
      }
      case 1:
        input.data = data.slice(0, int(data.length));
        return 'data truncated';
      case 2:
        input.data = base64Of(pick([0, 1, 783, 785, 784 * 4, 784 * 4 - 1, 256 * 1024 + 1]));
        return 'data of another length';
      case 3:
        Object.assign(input, { dtype: 'float32', data: floatsWith(pick([0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001, 0x3f000000])) });
        return 'float32 data with a NaN, an infinity or 0.5';
      case 4:
        input.dtype = pick(['uint8', 'float32', 'int32', 'UINT8', '', null]);
        return `dtype ${String(input.dtype)}`;
      case 5:
        input.shape = pick([[784], [2, 784], [1, 28, 28, 1], [1, 783], [1, 784, 1], [], [0, 784], [1, -784]]);
        return `shape [${input.shape}]`;
      case 6:
        if (Array.isArray(input.shape)) input.shape[int(input.shape.length)] = hostile();
        return 'a shape dimension hostile';
      case 7:
        input[pick(['shape', 'dtype', 'data'])] = hostile();
        return 'an input field hostile';
      case 8:
        delete input[pick(['shape', 'dtype', 'data'])];
        return 'an input field missing';
      default:
        input.data = data.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        return 'data as base64url';
    }
  };

  /** One mutation of the batch; answers what it did. */
  const mutate = (batch: Loose): string => {
    const examples: unknown[] = Array.isArray(batch.examples) ? batch.examples : [];
    const e = objectOr(examples[int(examples.length)]);
    switch (int(14)) {
      case 0:
      case 1:
      case 2: {
        const input = objectOr(e?.input);
        return input === undefined ? 'no input to change' : mutateInput(input);
      }
      case 3:
        if (e) e.label = rand() < 0.5 ? pick(LABELS) : hostile();
        return 'a label changed';
      case 4:
        if (e) e.predicted = rand() < 0.5 ? pick(LABELS) : hostile();
        return 'a prediction changed';
      case 5:
        if (e) e.createdAt = pick(['2026-11-23T17:00:00-05:30', '2016-12-31T23:59:60Z', '2026-11-23T17:00:00', '2026-02-29T00:00:00Z', '9999-12-31T23:59:59.999Z', '', 1_795_449_600_000]);
        return 'createdAt changed';
      case 6:
        if (e) e[pick(['label', 'input', 'createdAt', 'predicted', 'userId', '__proto__x'])] = rand() < 0.3 ? undefined : hostile();
        return 'an example field hostile or gone';
      case 7:
        examples.splice(int(examples.length + 1), 0, structuredClone(e ?? fresh()));
        return 'an example repeated';
      case 8:
        examples.splice(int(examples.length), 1);
        return 'an example dropped';
      case 9:
        batch.examples = Array.from({ length: pick([100, 101, 150]) }, (_, i) => examples[i % Math.max(1, examples.length)] ?? fresh());
        return `${batch.examples.length} examples`;
      case 10:
        batch[pick(['schema', 'model', 'version', 'installId', 'examples'])] = hostile();
        return 'a batch field hostile';
      case 11:
        delete batch[pick(['schema', 'model', 'version', 'installId', 'examples'])];
        return 'a batch field missing';
      case 12:
        batch.version = pick(['1.0.0', '9.9.9', '1.0.0-rc.1', 'latest', '1.0']);
        batch.model = pick([MODEL, MODEL, 'never-published', 'MNIST']);
        return `${batch.model}@${batch.version}`;
      default:
        batch[pick(['consent', 'userId', 'pad'])] = rand() < 0.8 ? hostile() : 'x'.repeat(int(5_000_000));
        return 'an unknown batch key';
    }
  };

  /** One mutation of the JSON text. */
  const mutateText = (body: string): [string, string | Buffer] => {
    switch (int(7)) {
      case 0:
        return ['text truncated', body.slice(0, int(body.length))];
      case 1: {
        const at = int(body.length);
        const bytes = Buffer.from(body);
        bytes[at] = int(256);
        return ['one byte replaced', bytes];
      }
      case 2:
        return ['a raw number in the shape', body.replace('"shape":[1,784]', `"shape":[1,${pick(RAW)}]`)];
      case 3:
        return ['a later duplicate key', body.replace(/}$/, `,"${pick(['schema', 'model', 'version', 'examples', 'installId'])}":${text(hostile())}}`)];
      case 4:
        return ['a __proto__ key', body.replace(pick(['{', '"input":{']), (m) => `${m}"__proto__":{"polluted":true},`)];
      case 5:
        return ['a constructor.prototype key', body.replace('{', '{"constructor":{"prototype":{"polluted":true}},')];
      default:
        return ['wrapped in an array', `[${body}]`];
    }
  };

  const cases: FeedbackFuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const batch: Loose = { schema: 1, model: MODEL, version: '1.0.0', examples: Array.from({ length: 1 + int(3) }, fresh) };
    if (rand() < 0.5) batch.installId = `fuzz-${seed}-${i}`;
    const done = Array.from({ length: 1 + int(3) }, () => mutate(batch));
    let body: string | Buffer = text(batch);
    if (rand() < 0.15) {
      const [what, mutated] = mutateText(body);
      done.push(what);
      body = mutated;
    }
    const headers = rand() < 0.05 ? pick<Record<string, string>>([{ 'content-type': 'text/plain' }, {}, { 'content-type': 'application/json', 'content-encoding': 'gzip' }]) : JSON_HEADERS;
    cases.push({ what: done.join('; '), headers, body });
  }
  return cases;
}
