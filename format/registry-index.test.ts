import { describe, expect, it } from 'vitest';
import { isEdgeloopError } from './edgeloop-error.ts';
import { compareVersions } from './naming.ts';
import { createRegistryIndex, newestVersion, parseRegistryIndex, validateRegistryIndex } from './registry-index.ts';
import { generateSigningKeyPair, verifyManifestSignature } from './signature.ts';

const good = {
  format: 'edgeloop-index/1',
  name: 'mnist-cnn',
  expires: '2030-01-01T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
  versions: [
    { version: '1.0.0', publishedAt: '2026-11-01T00:00:00.000Z' },
    { version: '1.10.0', publishedAt: '2026-11-20T00:00:00.000Z' },
    { version: '1.2.0', publishedAt: '2026-11-10T00:00:00.000Z' },
  ],
  aliases: { latest: '1.10.0', stable: '1.2.0' },
};

describe('compareVersions', () => {
  it('orders by semver precedence, not by string', () => {
    const sorted = ['1.10.0', '1.2.0', '1.0.0-rc.1', '1.0.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.11', '1.0.0-beta.2', '0.9.9'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0']);
    expect(() => compareVersions('1.0.0+build.1', '1.0.0+build.2')).toThrow(TypeError);
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(TypeError);
  });
});

describe('validateRegistryIndex', () => {
  it('accepts a good index and finds the newest version', () => {
    const index = validateRegistryIndex(good, 'mnist-cnn');
    expect(newestVersion(index)).toBe('1.10.0');
    expect(index.aliases.stable).toBe('1.2.0');
  });

  const cases: Array<[string, (o: any) => void, string]> = [
    ['wrong format', (o) => (o.format = 'edgeloop-index/9'), 'format'],
    ['path traversal in the name', (o) => (o.name = '../etc'), 'name'],
    ['bad expiry', (o) => (o.expires = 'tomorrow'), 'expires'],
    ['not a version', (o) => (o.versions[1].version = '1.10'), 'versions[1].version'],
    ['duplicate version', (o) => (o.versions[2].version = '1.0.0'), 'versions[2].version'],
    ['alias to a missing version', (o) => (o.aliases.latest = '9.9.9'), 'aliases.latest'],
    ['versions not an array', (o) => (o.versions = {}), 'versions'],
  ];
  it.each(cases)('refuses %s with INDEX_INVALID naming the field', (_, mutate, field) => {
    const copy = structuredClone(good);
    mutate(copy);
    let error: unknown;
    try {
      validateRegistryIndex(copy);
    } catch (e) {
      error = e;
    }
    expect(isEdgeloopError(error, 'INDEX_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe(field);
  });

  it('refuses an index fetched under another name, invalid UTF-8 and an oversized file', () => {
    expect(() => validateRegistryIndex(good, 'other')).toThrow(/fetched for "other"/);
    expect(() => parseRegistryIndex(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/UTF-8 JSON/);
    expect(() => parseRegistryIndex(new Uint8Array((1 << 20) + 1))).toThrow(/limit/);
  });
});

describe('createRegistryIndex', () => {
  it('writes a sorted, signed index whose signature verifies over the exact bytes', async () => {
    const key = await generateSigningKeyPair();
    const now = new Date('2026-11-23T00:00:00Z');
    const { index, indexBytes, signature } = await createRegistryIndex({
      name: 'mnist-cnn',
      versions: good.versions,
      now,
      validForMs: 1000,
      signingKey: key,
    });
    expect(index.versions.map((v) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0']);
    expect(index.aliases).toEqual({ latest: '1.10.0' });
    expect(index.expires).toBe('2026-11-23T00:00:01.000Z');
    expect(parseRegistryIndex(indexBytes)).toEqual(index);
    await expect(verifyManifestSignature(indexBytes, signature, [key.publicKey])).resolves.toBeDefined();
  });
});
