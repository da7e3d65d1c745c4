import { describe, expect, it } from 'vitest';
import { evictionCandidates, planEviction, QUOTA_SETTLE_DELAYS_MS, QuotaRetry, type EvictableVersion } from './eviction-policy.ts';

const v = (name: string, version: string, lastUsedAt: number, extra: Partial<EvictableVersion> = {}): EvictableVersion => ({
  name,
  version,
  bytes: 100,
  lastUsedAt,
  pinned: false,
  active: false,
  loaded: false,
  ...extra,
});

describe('evictionCandidates', () => {
  it('offers inactive, unpinned, unloaded versions, least recently used first, never the one being installed', () => {
    const versions = [
      v('a', '1.0.0', 30),
      v('a', '2.0.0', 10, { active: true }),
      v('b', '1.0.0', 5, { pinned: true }),
      v('b', '2.0.0', 20, { loaded: true }),
      v('c', '1.0.0', 1),
      v('d', '1.0.0', 2),
    ];
    expect(evictionCandidates(versions, { name: 'd', version: '1.0.0' }).map((x) => `${x.name}@${x.version}`)).toEqual(['c@1.0.0', 'a@1.0.0']);
  });
});

describe('planEviction', () => {
  it.each([
    ['nothing to evict when it fits', 50, 60, [], { fits: true, evict: [] }],
    ['the fewest least recently used versions that make room', 250, 60, [100, 100, 100], { fits: true, evict: [0, 1] }],
    ['all or nothing: too little even after evicting every candidate', 500, 60, [100, 100], { fits: false, freeableBytes: 260 }],
    ['a negative estimate counts as none available', 100, -20, [100], { fits: true, evict: [0] }],
  ] as const)('%s', (_, needed, available, sizes, expected) => {
    const candidates = sizes.map((bytes, i) => ({ bytes, i }));
    const plan = planEviction(needed, available, candidates);
    if (expected.fits) expect(plan).toEqual({ fits: true, evict: expected.evict.map((i) => candidates[i]) });
    else expect(plan).toEqual(expected);
  });
});

describe('QuotaRetry', () => {
  it('evicts first, then waits longer after each refusal for the freed space, then evicts again', () => {
    const retry = new QuotaRetry();
    expect(retry.next()).toEqual({ action: 'evict' });
    retry.evicted();
    const waits = QUOTA_SETTLE_DELAYS_MS.map(() => retry.next());
    expect(waits).toEqual([250, 500, 750, 1000].map((ms) => ({ action: 'wait', ms })));
    expect(retry.next()).toEqual({ action: 'evict' });
  });

  it('a new eviction restarts the waits', () => {
    const retry = new QuotaRetry();
    retry.evicted();
    retry.next();
    retry.evicted();
    expect(retry.next()).toEqual({ action: 'wait', ms: 250 });
  });
});
