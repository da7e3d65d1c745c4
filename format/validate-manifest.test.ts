import { describe, expect, it } from 'vitest';
import { isEdgeloopError, type EdgeloopErrorCode } from './edgeloop-error.ts';
import type { Manifest } from './manifest.ts';
import { MAX_MANIFEST_BYTES, parseManifest, validateManifest } from './validate-manifest.ts';

const HEX_A = 'a'.repeat(64);
const HEX_B = '0123456789abcdef'.repeat(4);

/** A valid manifest that exercises every optional part of the schema. */
function baseManifest(): Manifest {
  return {
    format: 'edgeloop/1',
    name: 'mnist-cnn',
    version: '1.2.0',
    createdAt: '2025-03-01T12:30:00.000Z',
    task: 'image-classification',
    input: {
      name: 'image',
      shape: [-1, 28, 28, 1],
      dtype: 'float32',
      layout: 'NHWC',
      preprocessing: {
        resize: { width: 28, height: 28 },
        colorSpace: 'grayscale',
        invert: true,
        scale: 1 / 255,
        mean: [0.1307],
        std: [0.3081],
      },
    },
    output: {
      name: 'probabilities',
      shape: [-1, 10],
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      activation: 'softmax',
    },
    artifacts: [
      {
        id: 'tfjs-fp32',
        engine: 'tfjs',
        precision: 'fp32',
        target: 'generic',
        files: [
          { path: 'tfjs-fp32/model.json', bytes: 2048, sha256: HEX_A },
          { path: 'tfjs-fp32/group1-shard1of2.bin', bytes: 4194304, sha256: HEX_B },
          { path: 'tfjs-fp32/group1-shard2of2.bin', bytes: 1000, sha256: HEX_A },
        ],
      },
      {
        id: 'onnx-int8',
        engine: 'onnx',
        precision: 'int8',
        target: 'low-end-phone',
        files: [{ path: 'onnx-int8/model.onnx', bytes: 120000, sha256: HEX_B }],
      },
    ],
    metrics: { accuracy: 0.991, 'top-1': 0.991, loss: 0.031 },
    baseline: {
      signals: [
        { name: 'confidence', edges: [0, 0.5, 0.9, 1], counts: [10, 90, 900] },
        { name: 'mean-intensity', edges: [0, 0.25], counts: [5] },
      ],
    },
    lineage: {
      parent: '1.1.0',
      teacher: 'mnist-big@2.0.0',
      datasetSha256: HEX_B,
      trainerConfig: { epochs: 5, optimizer: { name: 'adam', lr: 0.001 }, layers: [32, 64], augment: null },
    },
  };
}

// Rows mutate a fresh copy of the base manifest; returning a value replaces the whole manifest.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Row = [description: string, mutate: (m: Loose) => unknown, code: EdgeloopErrorCode, field: string];

const FILE0 = 'artifacts[0].files[0]';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

const rejected: Row[] = [
  // file paths
  ['path traversal ../x', (m) => void (m.artifacts[0].files[0].path = '../x'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['path traversal a/../../b', (m) => void (m.artifacts[0].files[0].path = 'a/../../b'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['path traversal ../../etc/passwd', (m) => void (m.artifacts[0].files[2].path = '../../etc/passwd'), 'MANIFEST_INVALID', 'artifacts[0].files[2].path'],
  ['absolute path /etc/passwd', (m) => void (m.artifacts[0].files[0].path = '/etc/passwd'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['drive letter C:/x', (m) => void (m.artifacts[0].files[0].path = 'C:/x'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['backslash path', (m) => void (m.artifacts[0].files[0].path = 'tfjs\\model.json'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['empty segment a//b', (m) => void (m.artifacts[0].files[0].path = 'a//b'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['trailing slash', (m) => void (m.artifacts[0].files[0].path = 'a/'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['dot segment ./a', (m) => void (m.artifacts[0].files[0].path = './a'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['empty path', (m) => void (m.artifacts[0].files[0].path = ''), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['path of 256 characters', (m) => void (m.artifacts[0].files[0].path = 'a'.repeat(256)), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['space in path', (m) => void (m.artifacts[0].files[0].path = 'model 1.json'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['URL-ish path', (m) => void (m.artifacts[0].files[0].path = 'https://evil.example/x'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['reserved name manifest.json', (m) => void (m.artifacts[0].files[0].path = 'manifest.json'), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['path as number', (m) => void (m.artifacts[0].files[0].path = 7), 'MANIFEST_INVALID', `${FILE0}.path`],
  ['duplicate path in one artifact', (m) => void (m.artifacts[0].files[2].path = m.artifacts[0].files[1].path), 'MANIFEST_INVALID', 'artifacts[0].files[2].path'],
  ['duplicate path across artifacts', (m) => void (m.artifacts[1].files[0].path = m.artifacts[0].files[0].path), 'MANIFEST_INVALID', 'artifacts[1].files[0].path'],
  ['duplicate path differing in case', (m) => void (m.artifacts[1].files[0].path = 'TFJS-FP32/model.json'), 'MANIFEST_INVALID', 'artifacts[1].files[0].path'],
  ['a file inside another file', (m) => void (m.artifacts[1].files[0].path = 'tfjs-fp32/model.json/x'), 'MANIFEST_INVALID', 'artifacts[1].files[0].path'],
  // sizes
  ['absurd size 2^40', (m) => void (m.artifacts[0].files[0].bytes = 2 ** 40), 'MANIFEST_INVALID', `${FILE0}.bytes`],
  ['negative size', (m) => void (m.artifacts[0].files[0].bytes = -1), 'MANIFEST_INVALID', `${FILE0}.bytes`],
  ['fractional size 1.5', (m) => void (m.artifacts[0].files[0].bytes = 1.5), 'MANIFEST_INVALID', `${FILE0}.bytes`],
  ['size "NaN" as string', (m) => void (m.artifacts[0].files[0].bytes = 'NaN'), 'MANIFEST_INVALID', `${FILE0}.bytes`],
  ['size NaN', (m) => void (m.artifacts[0].files[0].bytes = Number.NaN), 'MANIFEST_INVALID', `${FILE0}.bytes`],
  [
    'total size over 4 GiB',
    (m) => void (m.artifacts[0].files = [0, 1, 2].map((i) => ({ path: `big/${i}.bin`, bytes: 2 ** 31, sha256: HEX_A }))),
    'MANIFEST_INVALID',
    'artifacts',
  ],
  // hashes
  ['upper-case sha256', (m) => void (m.artifacts[0].files[0].sha256 = HEX_B.toUpperCase()), 'MANIFEST_INVALID', `${FILE0}.sha256`],
  ['short sha256', (m) => void (m.artifacts[0].files[0].sha256 = 'abc123'), 'MANIFEST_INVALID', `${FILE0}.sha256`],
  ['bad lineage.datasetSha256', (m) => void (m.lineage.datasetSha256 = 'xyz'), 'MANIFEST_INVALID', 'lineage.datasetSha256'],
  // artifacts
  ['unknown precision int3', (m) => void (m.artifacts[0].precision = 'int3'), 'MANIFEST_INVALID', 'artifacts[0].precision'],
  ['unknown engine tflite', (m) => void (m.artifacts[1].engine = 'tflite'), 'MANIFEST_INVALID', 'artifacts[1].engine'],
  ['duplicate artifact id', (m) => void (m.artifacts[1].id = 'tfjs-fp32'), 'MANIFEST_INVALID', 'artifacts[1].id'],
  ['bad target', (m) => void (m.artifacts[0].target = 'Pixel 7'), 'MANIFEST_INVALID', 'artifacts[0].target'],
  ['empty artifacts', (m) => void (m.artifacts = []), 'MANIFEST_INVALID', 'artifacts'],
  ['artifact without files', (m) => void (m.artifacts[0].files = []), 'MANIFEST_INVALID', 'artifacts[0].files'],
  ['unknown key in a file', (m) => void (m.artifacts[0].files[1].url = 'https://x'), 'MANIFEST_INVALID', 'artifacts[0].files[1].url'],
  // wrong types
  ['version as number', (m) => void (m.version = 1), 'MANIFEST_INVALID', 'version'],
  ['shape as string', (m) => void (m.input.shape = '28x28'), 'MANIFEST_INVALID', 'input.shape'],
  ['empty shape', (m) => void (m.output.shape = []), 'MANIFEST_INVALID', 'output.shape'],
  ['shape with 0', (m) => void (m.input.shape = [-1, 0, 28, 1]), 'MANIFEST_INVALID', 'input.shape[1]'],
  ['shape with -2', (m) => void (m.input.shape = [-2, 28, 28, 1]), 'MANIFEST_INVALID', 'input.shape[0]'],
  ['shape of 9 dims', (m) => void (m.input.shape = [1, 1, 1, 1, 1, 1, 1, 1, 1]), 'MANIFEST_INVALID', 'input.shape'],
  ['labels with a number', (m) => void (m.output.labels[3] = 3), 'MANIFEST_INVALID', 'output.labels[3]'],
  ['duplicate labels', (m) => void (m.output.labels[9] = '0'), 'MANIFEST_INVALID', 'output.labels[9]'],
  ['metrics with a string', (m) => void (m.metrics.accuracy = '0.99'), 'MANIFEST_INVALID', 'metrics.accuracy'],
  ['metrics with Infinity', (m) => void (m.metrics['top-1'] = Infinity), 'MANIFEST_INVALID', 'metrics["top-1"]'],
  ['metrics as array', (m) => void (m.metrics = [0.9]), 'MANIFEST_INVALID', 'metrics'],
  ['unknown dtype', (m) => void (m.input.dtype = 'float64'), 'MANIFEST_INVALID', 'input.dtype'],
  ['unknown activation', (m) => void (m.output.activation = 'relu'), 'MANIFEST_INVALID', 'output.activation'],
  ['unknown task', (m) => void (m.task = 'chat'), 'MANIFEST_INVALID', 'task'],
  ['invert as string', (m) => void (m.input.preprocessing.invert = 'yes'), 'MANIFEST_INVALID', 'input.preprocessing.invert'],
  ['resize width 0', (m) => void (m.input.preprocessing.resize.width = 0), 'MANIFEST_INVALID', 'input.preprocessing.resize.width'],
  ['std of 0', (m) => void (m.input.preprocessing.std = [0]), 'MANIFEST_INVALID', 'input.preprocessing.std[0]'],
  ['mean and std of different lengths', (m) => void (m.input.preprocessing.std = [0.3, 0.3]), 'MANIFEST_INVALID', 'input.preprocessing.std'],
  ['manifest is an array', () => [], 'MANIFEST_INVALID', ''],
  ['manifest is null', () => null, 'MANIFEST_INVALID', ''],
  // keys
  ['unknown top-level key', (m) => void (m.extra = true), 'MANIFEST_INVALID', 'extra'],
  ['unknown nested key', (m) => void (m.input.preprocessing.normalize = true), 'MANIFEST_INVALID', 'input.preprocessing.normalize'],
  [
    '__proto__ key',
    (m) => void Object.defineProperty(m, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true }),
    'MANIFEST_INVALID',
    '__proto__',
  ],
  ['constructor key in trainerConfig', (m) => void (m.lineage.trainerConfig.constructor = { prototype: {} }), 'MANIFEST_INVALID', 'lineage.trainerConfig.constructor'],
  ['missing task', (m) => void delete m.task, 'MANIFEST_INVALID', 'task'],
  ['missing format', (m) => void delete m.format, 'MANIFEST_INVALID', 'format'],
  ['other format', (m) => void (m.format = 'edgeloop/2'), 'MANIFEST_INVALID', 'format'],
  // baseline
  ['baseline counts/edges length mismatch', (m) => void (m.baseline.signals[0].counts = [1, 2]), 'MANIFEST_INVALID', 'baseline.signals[0].counts'],
  ['baseline edges not increasing', (m) => void (m.baseline.signals[0].edges = [0, 0.5, 0.5, 1]), 'MANIFEST_INVALID', 'baseline.signals[0].edges[2]'],
  ['baseline with one edge', (m) => void (m.baseline.signals[1].edges = [0]), 'MANIFEST_INVALID', 'baseline.signals[1].edges'],
  ['baseline negative count', (m) => void (m.baseline.signals[0].counts[1] = -3), 'MANIFEST_INVALID', 'baseline.signals[0].counts[1]'],
  ['duplicate signal names', (m) => void (m.baseline.signals[1].name = 'confidence'), 'MANIFEST_INVALID', 'baseline.signals[1].name'],
  // names, versions, dates
  ['bad semver 1.0', (m) => void (m.version = '1.0'), 'MANIFEST_INVALID', 'version'],
  ['semver with leading zero', (m) => void (m.version = '01.0.0'), 'MANIFEST_INVALID', 'version'],
  ['semver with a v', (m) => void (m.version = 'v1.0.0'), 'MANIFEST_INVALID', 'version'],
  ['semver with build metadata', (m) => void (m.version = '2.0.0+build.5'), 'MANIFEST_INVALID', 'version'],
  ['bad lineage.parent', (m) => void (m.lineage.parent = '1.0'), 'MANIFEST_INVALID', 'lineage.parent'],
  ['bad name "Bad Name"', (m) => void (m.name = 'Bad Name'), 'MANIFEST_INVALID', 'name'],
  ['name of 65 characters', (m) => void (m.name = 'a'.repeat(65)), 'MANIFEST_INVALID', 'name'],
  ['createdAt not a date', (m) => void (m.createdAt = 'yesterday'), 'MANIFEST_INVALID', 'createdAt'],
  ['createdAt on February 30', (m) => void (m.createdAt = '2024-02-30T00:00:00Z'), 'MANIFEST_INVALID', 'createdAt'],
  ['createdAt without a time zone', (m) => void (m.createdAt = '2024-02-01T00:00:00'), 'MANIFEST_INVALID', 'createdAt'],
  ['trainerConfig 33 levels deep', (m) => void (m.lineage.trainerConfig = nested(33)), 'MANIFEST_INVALID', `lineage.trainerConfig${'.a'.repeat(32)}`],
  ['trainerConfig with NaN', (m) => void (m.lineage.trainerConfig.lr = Number.NaN), 'MANIFEST_INVALID', 'lineage.trainerConfig.lr'],
  ['trainerConfig with a function', (m) => void (m.lineage.trainerConfig.fn = () => 1), 'MANIFEST_INVALID', 'lineage.trainerConfig.fn'],
];

const accepted: Array<[description: string, mutate: (m: Loose) => unknown]> = [
  ['the base manifest', () => undefined],
  ['semver with a prerelease', (m) => void (m.version = '2.0.0-rc.1')],
  ['no optional parts', (m) => void (delete m.baseline, delete m.lineage, delete m.input.preprocessing, delete m.input.layout, delete m.output.labels)],
  ['optional part set to undefined', (m) => void (m.lineage = undefined)],
  ['createdAt with offset, no fraction', (m) => void (m.createdAt = '2024-02-29T23:59:59+05:30')],
  ['a zero-byte file', (m) => void (m.artifacts[0].files[0].bytes = 0)],
  ['a 2 GiB file', (m) => void (m.artifacts[1].files[0].bytes = 2 ** 31)],
  ['trainerConfig 32 levels deep', (m) => void (m.lineage.trainerConfig = nested(32))],
  ['empty metrics', (m) => void (m.metrics = {})],
  ['similar but distinct paths', (m) => void (m.artifacts[1].files[0].path = 'tfjs-fp32/model.json.bak')],
];

describe('validateManifest', () => {
  it.each(rejected)('rejects %s', (_description, mutate, code, field) => {
    const manifest = structuredClone(baseManifest()) as Loose;
    const replaced = mutate(manifest);
    const error = catchError(() => validateManifest(replaced === undefined ? manifest : replaced));
    expect(isEdgeloopError(error, code), String(error)).toBe(true);
    expect(error.details.field).toBe(field);
    expect(typeof error.details.reason).toBe('string');
    expect(error.message).toContain(field === '' ? 'manifest' : `manifest.${field}`);
  });

  it.each(accepted)('accepts %s', (_description, mutate) => {
    const manifest = structuredClone(baseManifest()) as Loose;
    mutate(manifest);
    expect(validateManifest(manifest)).toEqual(JSON.parse(JSON.stringify(manifest)));
  });

  it('returns a copy without unexpected properties, never the input itself', () => {
    const input = baseManifest();
    const result = validateManifest(input);
    expect(result).toEqual(input);
    expect(result).not.toBe(input);
    expect(result.artifacts[0].files).not.toBe(input.artifacts[0].files);
    expect(result.lineage?.trainerConfig).not.toBe(input.lineage?.trainerConfig);
  });

  it('names the traversal path and the rule in the message', () => {
    const manifest = baseManifest();
    manifest.artifacts[0].files[2].path = '../../etc/passwd';
    const error = catchError(() => validateManifest(manifest));
    expect(error.message).toBe(
      'manifest.artifacts[0].files[2].path must be a relative path without \'..\' segments (got "../../etc/passwd")',
    );
  });

  it('names the first index in a duplicate path error', () => {
    const manifest = baseManifest();
    manifest.artifacts[1].files[0].path = manifest.artifacts[0].files[1].path;
    const error = catchError(() => validateManifest(manifest));
    expect(error.message).toContain('artifacts[0].files[1].path');
    expect(error.message).toContain('artifacts[1].files[0].path');
  });
});

describe('parseManifest', () => {
  const text = JSON.stringify(baseManifest(), null, 2);

  it('round-trips a valid manifest from bytes, an ArrayBuffer and a string', () => {
    const bytes = new TextEncoder().encode(text);
    expect(parseManifest(bytes)).toEqual(baseManifest());
    expect(parseManifest(bytes.buffer)).toEqual(baseManifest());
    expect(parseManifest(text)).toEqual(baseManifest());
  });

  it('reads only the bytes of a view into a larger buffer', () => {
    const encoded = new TextEncoder().encode(text);
    const buffer = new Uint8Array(encoded.length + 20).fill(0x7b);
    buffer.set(encoded, 10);
    expect(parseManifest(buffer.subarray(10, 10 + encoded.length))).toEqual(baseManifest());
  });

  it('rejects a 50 MB manifest as MANIFEST_TOO_LARGE', () => {
    const huge = new Uint8Array(50 * 1024 * 1024).fill(0x20);
    const error = catchError(() => parseManifest(huge));
    expect(isEdgeloopError(error, 'MANIFEST_TOO_LARGE')).toBe(true);
    expect(error.details).toEqual({ bytes: huge.byteLength, limit: MAX_MANIFEST_BYTES });
  });

  it('counts UTF-8 bytes, not characters, of a string', () => {
    // 400,000 × "€" is 1.2 MB of UTF-8 in 400,000 characters.
    const error = catchError(() => parseManifest(`"${'€'.repeat(400_000)}"`));
    expect(isEdgeloopError(error, 'MANIFEST_TOO_LARGE')).toBe(true);
    expect(error.details.bytes).toBe(1_200_002);
  });

  it('accepts a manifest of exactly the limit', () => {
    const padded = text + ' '.repeat(MAX_MANIFEST_BYTES - text.length);
    expect(parseManifest(new TextEncoder().encode(padded))).toEqual(baseManifest());
  });

  it.each([
    ['truncated JSON', new TextEncoder().encode(text.slice(0, -5))],
    ['not JSON at all', new TextEncoder().encode('<html>404</html>')],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['empty file', new Uint8Array(0)],
  ])('rejects %s as MANIFEST_INVALID', (_description, bytes) => {
    const error = catchError(() => parseManifest(bytes));
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect(error.details).toEqual({ field: '', reason: 'json' });
  });

  it('does not pollute Object.prototype through a "__proto__" key', () => {
    const hostile = text.replace('{', '{"__proto__": {"polluted": true},');
    const error = catchError(() => parseManifest(hostile));
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect(error.details.field).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('survives deeply nested hostile JSON in trainerConfig', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const hostile = text.replace('"epochs": 5', `"epochs": ${deep}`);
    const error = catchError(() => parseManifest(hostile));
    expect(isEdgeloopError(error, 'MANIFEST_INVALID')).toBe(true);
    expect(error.details.reason).toBe('too-deep');
  });

  it('throws TypeError for a non-byte argument', () => {
    expect(() => parseManifest(42 as unknown as string)).toThrow(TypeError);
  });
});

interface CaughtError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

function catchError(run: () => unknown): CaughtError {
  try {
    run();
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error('expected an error, but none was thrown');
}
