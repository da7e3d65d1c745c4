import { describe, expect, it } from 'vitest';
import { median, STABILITY_RULE, stabilityVerdict, timeUntilStable, timingScore } from './stable-timing.ts';

describe('timingScore', () => {
  it('is the lowest median of 3 consecutive rounds: one lucky round does not win, one slow round does not lose', () => {
    expect(timingScore([10, 1, 10, 10, 10], 3)).toBe(10);
    expect(timingScore([5, 5, 50, 5, 5], 3)).toBe(5);
    expect(timingScore([9, 8], 3)).toBe(8.5);
    expect(timingScore([], 3)).toBe(Infinity);
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('stabilityVerdict', () => {
  const rule = STABILITY_RULE;
  // ORT's wasm in V8's baseline tier: slow runs, then TurboFan code settles near 25 ms.
  const tierUp = [240, 220, 210, 200, 190, 180, 150, 90, 40, 26, 25, 25, 25.5, 25, 25.2];

  it.each([
    ['a plateau after enough rounds', [25, 25.2, 24.9, 25.1, 25, 25.3, 25], 200, Infinity, { done: true, stop: 'stable' }],
    ['too few rounds yet', [25, 25, 25, 25], 100, Infinity, { done: false }],
    ['still speeding up (a cold engine)', tierUp.slice(0, 9), 1400, Infinity, { done: false }],
    ['a sub-millisecond model before minTimedMs of work', [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4], 30, Infinity, { done: false }],
    ['a run 25× the best so far (and over a second)', [1100], 1100, 25, { done: true, stop: 'hopeless' }],
    ['a slow first warm round of a small model: mostly fixed cost, not hopeless yet', [12], 12, 0.3, { done: false }],
    ['settled at over 3× the best', Array(12).fill(90), 1080, 25, { done: true, stop: 'hopeless' }],
    ['2.5× the best: measured to the end, not hopeless', Array(7).fill(62), 434, 25, { done: true, stop: 'stable' }],
    ['over 3× the best but early (a cold engine may still get there)', [200, 190, 180], 570, 60, { done: false }],
    ['past the time cap', [30, 29, 28, 27, 26, 25, 24, 23], 3100, Infinity, { done: true, stop: 'cap' }],
  ] as const)('%s', (_name, rounds, timedMs, best, verdict) => {
    expect(stabilityVerdict(rounds, timedMs, best, rule)).toEqual(verdict);
  });

  it('is stable only after minRounds when asked for more', () => {
    const plateau = Array(8).fill(25);
    expect(stabilityVerdict(plateau, 200, Infinity, { ...rule, minRounds: 10 })).toEqual({ done: false });
    expect(stabilityVerdict([...plateau, 25, 25], 250, Infinity, { ...rule, minRounds: 10 })).toEqual({ done: true, stop: 'stable' });
  });
});

describe('timeUntilStable', () => {
  /** A run whose n-th call "takes" times[n] ms of a fake clock (the last one repeats). */
  function fake(times: readonly number[]) {
    let clock = 0;
    let calls = 0;
    return {
      now: () => clock,
      run: async () => {
        clock += times[Math.min(calls, times.length - 1)]!;
        calls++;
      },
      calls: () => calls,
    };
  }

  it('waits out a cold engine: scores the settled runs, not the first compiling ones', async () => {
    const engine = fake([1500, 240, 220, 210, 200, 190, 180, 150, 90, 40, 26, 25, 25, 25.5, 25, 25.2, 25]);
    const timing = await timeUntilStable(engine.run, Infinity, { now: engine.now });
    expect(timing.firstRunMs).toBe(1500);
    expect(timing.scoreMs).toBeCloseTo(25, 0);
    expect(timing.stop).toBe('stable');
  });

  it('stops at once when the compiling run alone is hopeless', async () => {
    const engine = fake([5000, 4000]);
    const timing = await timeUntilStable(engine.run, 25, { now: engine.now });
    expect(timing).toMatchObject({ stop: 'hopeless', runs: 0, firstRunMs: 5000 });
    expect(engine.calls()).toBe(1);
  });

  it('batches sub-millisecond runs into rounds of about 4 ms', async () => {
    const engine = fake([3, 0.25]);
    const timing = await timeUntilStable(engine.run, Infinity, { now: engine.now });
    expect(timing.scoreMs).toBeCloseTo(0.25, 5);
    // ≥ 150 ms of timed work: ~600 runs in 16-run rounds.
    expect(timing.runs).toBeGreaterThanOrEqual(600);
    expect(timing.stop).toBe('stable');
  });

  it('gives up at the time cap with the best score reached', async () => {
    // Still improving by ~5 % every 4 rounds when the 3 s of timed work are spent.
    const engine = fake([150, ...Array.from({ length: 80 }, (_, i) => 120 - i * 1.2)]);
    const timing = await timeUntilStable(engine.run, Infinity, { now: engine.now });
    expect(timing.stop).toBe('cap');
    expect(timing.scoreMs).toBeLessThan(100);
  });
});
