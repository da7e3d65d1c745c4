import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from './edgeloop-error.ts';
import type { Manifest } from './manifest.ts';
import {
  compareVersions,
  highestVersion,
  isPackageName,
  isVersion,
  PACKAGE_NAME_PATTERN,
  PACKAGE_NAME_PATTERN_SOURCE,
  VERSION_PATTERN_SOURCE,
} from './naming.ts';
import { validateRegistryIndex } from './registry-index.ts';
import { validateManifest } from './validate-manifest.ts';

function manifestNamed(name: string): Manifest {
  return {
    format: 'edgeloop/1',
    name,
    version: '1.0.0',
    createdAt: '2026-01-01T00:00:00Z',
    task: 'tabular-classification',
    input: { name: 'image', shape: [-1, 4], dtype: 'float32' },
    output: { name: 'scores', shape: [-1, 2], activation: 'softmax' },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: [{ path: 'tfjs/model.json', bytes: 1, sha256: 'a'.repeat(64) }] }],
    metrics: {},
  };
}

function indexNamed(name: string): unknown {
  return { format: 'edgeloop-index/1', name, expires: '2030-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', versions: [{ version: '1.0.0', publishedAt: '2026-01-01T00:00:00Z' }], aliases: {} };
}

/** What each validator answers for a name: the code and the field and reason it names, or 'ok'. */
function verdicts(name: string): { manifest: unknown; index: unknown } {
  const verdict = (run: () => unknown) => {
    try {
      run();
      return 'ok';
    } catch (error) {
      if (!isEdgeloopError(error)) throw error;
      return { code: error.code, details: error.details };
    }
  };
  return { manifest: verdict(() => validateManifest(manifestNamed(name))), index: verdict(() => validateRegistryIndex(indexNamed(name))) };
}

describe('package names', () => {
  it.each([
    ['a', true],
    ['mnist-cnn', true],
    ['model.v2_final', true],
    ['0day', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['-lead', false],
    ['.hidden', false],
    ['Upper', false],
    ['has space', false],
    ['a/b', false],
    ['ünï', false],
  ])('%s → %s', (name, ok) => {
    expect(isPackageName(name)).toBe(ok);
    expect(PACKAGE_NAME_PATTERN.test(name)).toBe(ok);
    // The JSON Schema source says the same as the RegExp.
    expect(new RegExp(PACKAGE_NAME_PATTERN_SOURCE, 'u').test(name)).toBe(ok);
  });

  it('refuses 65 characters in the manifest and the registry index the way they refuse any bad name; takes 64', () => {
    const long = verdicts('a'.repeat(65));
    expect(long).toEqual(verdicts('Bad_Name'));
    expect(long.manifest).toEqual({ code: 'MANIFEST_INVALID', details: { field: 'name', reason: 'pattern' } });
    expect(long.index).toEqual({ code: 'INDEX_INVALID', details: { field: 'name' } });
    expect(verdicts('a'.repeat(64))).toEqual({ manifest: 'ok', index: 'ok' });
  });

  it('holds for artifact ids and targets too', () => {
    const m = manifestNamed('ok');
    m.artifacts[0].id = 'a'.repeat(65);
    expect(() => validateManifest(m)).toThrow(/artifacts\[0\]\.id/);
    m.artifacts[0].id = 'a'.repeat(64);
    expect(validateManifest(m).artifacts[0].id).toHaveLength(64);
  });
});

describe('versions', () => {
  it.each([
    ['1.2.3', true],
    ['0.0.0', true],
    ['1.0.0-rc.1', true],
    ['1.0.0-alpha-beta', true],
    ['9007199254740993.0.0', true],
    // Build metadata is refused: `+a` and `+b` would be two spellings of one immutable version.
    ['1.0.0+build.5', false],
    ['1.0.0-rc.1+build.5', false],
    ['1.0.0+', false],
    ['v1.2.3', false],
    [' 1.2.3', false],
    ['1.2', false],
    ['01.2.3', false],
    ['1.2.3-01', false],
    [`1.2.3-${'a'.repeat(123)}`, false],
  ])('%s → %s', (version, ok) => {
    expect(isVersion(version)).toBe(ok);
    if (version.length <= 128) expect(new RegExp(VERSION_PATTERN_SOURCE).test(version)).toBe(ok);
  });

  it.each([
    ['1.0.0', '1.0.1', -1],
    ['1.10.0', '1.2.0', 1],
    ['1.0.0-alpha', '1.0.0', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-rc.1', '1.0.0-1', 1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta', '1.0.0-beta.2', -1],
    ['1.0.0-rc.1', '1.0.0-rc.1', 0],
    ['1.0.0-a-b', '1.0.0-a', 1],
    ['1.0.0-A', '1.0.0-a', -1],
    // Beyond Number.MAX_SAFE_INTEGER (2^53 − 1): compared on the digits, not as rounded numbers.
    ['9007199254740992.0.0', '9007199254740993.0.0', -1],
    ['1.9007199254740992.0', '1.9007199254740993.0', -1],
    ['1.0.18446744073709551616', '1.0.18446744073709551617', -1],
    ['99999999999999999999.0.0', '100000000000000000000.0.0', -1],
    ['1.0.0-9007199254740992', '1.0.0-9007199254740993', -1],
    ['1.0.0-rc.99999999999999999998', '1.0.0-rc.99999999999999999999', -1],
    ['1.0.0-99999999999999999999', '1.0.0-a', -1],
    ['10.0.0', '9.0.0', 1],
  ])('compareVersions(%s, %s) = %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });

  it('refuses what is not a version with a TypeError, also where the semver package would be lenient', () => {
    expect(() => compareVersions('v1.0.0', '1.0.0')).toThrow(TypeError);
    expect(() => compareVersions('1.0.0', '1.0')).toThrow(TypeError);
    expect(() => compareVersions('1.0.0+a', '1.0.0')).toThrow(TypeError);
    expect(() => highestVersion(['1.0.0', 'latest'])).toThrow(TypeError);
    expect(() => highestVersion(['nope'])).toThrow(TypeError);
  });

  it('finds the highest version, or none', () => {
    expect(highestVersion(['1.2.0', '1.10.0', '1.10.0-rc.1'])).toBe('1.10.0');
    expect(highestVersion(['9007199254740993.0.0', '9007199254740992.0.0'])).toBe('9007199254740993.0.0');
    expect(highestVersion(['9007199254740992.0.0', '9007199254740993.0.0'])).toBe('9007199254740993.0.0');
    expect(highestVersion(['1.0.0-9007199254740993', '1.0.0-9007199254740992'])).toBe('1.0.0-9007199254740993');
    expect(highestVersion([])).toBeUndefined();
  });
});
