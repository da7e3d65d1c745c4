/**
 * Job gauges and counters in Prometheus text format, read from the queue at scrape
 * time, so every replica (and every worker on other machines) is counted alike. The
 * attempt counters add what retention tallied for the jobs it deleted, so they never go
 * down.
 */
import { escapeLabel } from '../metrics.ts';
import { tallyOf, type RetentionTallies } from '../retention/retention-records.ts';
import { JOB_KINDS, JOB_STATES, type JobCounts } from './job-records.ts';

export function renderJobMetrics(counts: readonly JobCounts[], pruned: RetentionTallies = new Map()): string {
  const prunedKinds = [...(pruned.get('job_attempts')?.keys() ?? []), ...(pruned.get('job_failures')?.keys() ?? [])];
  const kinds = [...new Set([...JOB_KINDS, ...counts.map((c) => c.kind), ...prunedKinds])];
  const find = (kind: string, state: string) => counts.find((c) => c.kind === kind && c.state === state);
  const sum = (kind: string, key: 'attempts' | 'failures') =>
    counts.filter((c) => c.kind === kind).reduce((n, c) => n + c[key], 0) + tallyOf(pruned, key === 'attempts' ? 'job_attempts' : 'job_failures', kind);
  const lines = [
    '# HELP sync_jobs Jobs by kind and state.',
    '# TYPE sync_jobs gauge',
    ...kinds.flatMap((kind) => JOB_STATES.map((state) => `sync_jobs{kind="${escapeLabel(kind)}",state="${state}"} ${find(kind, state)?.jobs ?? 0}`)),
    '# HELP sync_job_attempts_total Job attempts started (claims by a worker).',
    '# TYPE sync_job_attempts_total counter',
    ...kinds.map((kind) => `sync_job_attempts_total{kind="${escapeLabel(kind)}"} ${sum(kind, 'attempts')}`),
    '# HELP sync_job_failed_attempts_total Job attempts that failed: the handler threw, or its worker stopped renewing the lease.',
    '# TYPE sync_job_failed_attempts_total counter',
    ...kinds.map((kind) => `sync_job_failed_attempts_total{kind="${escapeLabel(kind)}"} ${sum(kind, 'failures')}`),
  ];
  return `${lines.join('\n')}\n`;
}
