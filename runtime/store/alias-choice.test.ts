import { describe, expect, it } from 'vitest';
import type { RegistryIndex } from '../../format/index.ts';
import { chooseAliasVersion, endpointOfRegistry, type AliasChoice } from './alias-choice.ts';

const SOURCE = 'https://sync.example.com/registry/';
const index = (aliases: Record<string, string>, versions = ['1.0.0', '1.1.0', '1.2.0']): RegistryIndex => ({
  format: 'edgeloop-index/1',
  name: 'm',
  expires: '2099-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  versions: versions.map((version) => ({ version, publishedAt: '2026-01-01T00:00:00Z' })),
  aliases,
});
const choose = (over: Partial<AliasChoice>) => chooseAliasVersion({ name: 'm', source: SOURCE, index: index({ production: '1.1.0' }), alias: 'production', follow: true, ...over });
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('endpointOfRegistry', () => {
  it.each([
    ['https://sync.example.com/registry/', 'https://sync.example.com/'],
    ['http://127.0.0.1:8787/base/registry/', 'http://127.0.0.1:8787/base/'],
    ['https://cdn.example.com/models/', undefined],
    ['https://cdn.example.com/registry', undefined],
  ])('%s → %s', (source, endpoint) => expect(endpointOfRegistry(source)).toBe(endpoint));
});

describe('chooseAliasVersion', () => {
  it("takes the endpoint's answer for this device when the signed index lists it (its canary side)", () => {
    expect(choose({ assigned: '1.2.0' })).toBe('1.2.0');
    expect(choose({ assigned: '1.1.0' })).toBe('1.1.0');
  });

  it("takes the signed alias without an endpoint, and the index's newest for an unset latest", () => {
    expect(choose({})).toBe('1.1.0');
    expect(choose({ alias: 'latest', index: index({}) })).toBe('1.2.0');
  });

  it('follows a signed alias back (the endpoint rolled it back), but not an unsigned answer to an older version', () => {
    const model = { name: 'm', active: '1.2.0', highest: { [SOURCE]: '1.2.0' } };
    expect(choose({ model, assigned: '1.1.0' })).toBe('1.1.0');
    expect(choose({ model })).toBe('1.1.0');
    expect(code(() => choose({ model, assigned: '1.0.0' }))).toBe('ROLLBACK_REFUSED');
    // Not following (the default `latest`): never down, as before.
    expect(code(() => choose({ model, follow: false, alias: 'latest', index: index({ latest: '1.1.0' }) }))).toBe('ROLLBACK_REFUSED');
  });

  it('refuses an alias the index lacks, and an assigned version the index does not list', () => {
    expect(code(() => choose({ alias: 'beta' }))).toBe('VERSION_NOT_FOUND');
    expect(code(() => choose({ assigned: '9.9.9' }))).toBe('VERSION_NOT_FOUND');
  });
});
