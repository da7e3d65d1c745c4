import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RETENTION_CONFIG, type RetentionConfig } from './retention-config.ts';
import type { PrunedJobs, RetentionStore, RetentionTallies } from './retention-records.ts';
import { EVENT_BATCH, JOB_BATCH, RetentionService } from './retention-service.ts';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const DAY = 86_400_000;

/** A store that answers `jobs` / `events` one batch at a time (then 0) and records every call. */
function fakeStore(jobs: number[] = [], events: number[] = []) {
  const calls: string[] = [];
  const store: RetentionStore = {
    async pruneJobs(before: string, limit: number): Promise<PrunedJobs> {
      calls.push(`jobs before ${before} limit ${limit}`);
      const n = jobs.shift() ?? 0;
      return { jobs: n, logLines: n * 2 };
    },
    async pruneEvents(before: string, keep: number, limit: number): Promise<number> {
      calls.push(`events before ${before} keep ${keep} limit ${limit}`);
      return events.shift() ?? 0;
    },
    async tallies(): Promise<RetentionTallies> {
      return new Map();
    },
  };
  return { store, calls };
}

const config = (overrides: Partial<RetentionConfig> = {}): RetentionConfig => ({ ...DEFAULT_RETENTION_CONFIG, ...overrides });

describe('RetentionService', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prunes jobs older than jobDays and events older than eventDays, batch after batch until one comes back short', async () => {
    const { store, calls } = fakeStore([JOB_BATCH, JOB_BATCH, 3], [EVENT_BATCH, 7]);
    const service = new RetentionService(store, config(), { now: () => NOW });
    expect(await service.run()).toEqual({ jobs: 2 * JOB_BATCH + 3, logLines: 2 * (2 * JOB_BATCH + 3), events: EVENT_BATCH + 7 });
    const jobsBefore = new Date(NOW - 30 * DAY).toISOString();
    const eventsBefore = new Date(NOW - 180 * DAY).toISOString();
    expect(calls).toEqual([
      ...Array.from({ length: 3 }, () => `jobs before ${jobsBefore} limit ${JOB_BATCH}`),
      ...Array.from({ length: 2 }, () => `events before ${eventsBefore} keep 100 limit ${EVENT_BATCH}`),
    ]);
    await service.close();
  });

  it('skips a table whose retention is 0 days, and starts no timer when both are', async () => {
    const { store, calls } = fakeStore();
    await new RetentionService(store, config({ jobDays: 0 }), { now: () => NOW }).run();
    expect(calls.every((c) => c.startsWith('events'))).toBe(true);
    vi.useFakeTimers();
    const off = new RetentionService(store, config({ jobDays: 0, eventDays: 0 }));
    calls.length = 0;
    off.start();
    await vi.advanceTimersByTimeAsync(5 * DEFAULT_RETENTION_CONFIG.intervalMs);
    expect(calls).toEqual([]);
    await off.close();
  });

  it('runs at start and every intervalMs, joins a pass in flight, and stops on close', async () => {
    vi.useFakeTimers();
    const { store, calls } = fakeStore();
    const service = new RetentionService(store, config({ intervalMs: 60_000 }));
    service.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(4);
    const [a, b] = [service.run(), service.run()];
    expect(a).toBe(b);
    await a;
    await service.close();
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toEqual([]);
    expect(await service.run()).toEqual({ jobs: 0, logLines: 0, events: 0 });
  });

  it('logs a failed pass, answers what it did before the failure, and runs again next time', async () => {
    const { store } = fakeStore([4]);
    const failing = { ...store, pruneEvents: vi.fn().mockRejectedValueOnce(new Error('database gone')).mockResolvedValue(2) };
    const logged: string[] = [];
    const service = new RetentionService(failing, config(), { log: (message, error) => logged.push(`${message}: ${(error as Error).message}`) });
    expect(await service.run()).toEqual({ jobs: 4, logLines: 8, events: 0 });
    expect(logged).toEqual(['retention failed; it runs again at the next interval: database gone']);
    expect((await service.run()).events).toBe(2);
    await service.close();
  });
});
