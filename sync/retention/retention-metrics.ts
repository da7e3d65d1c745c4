/**
 * What retention deleted, in Prometheus text format, read from the database's tallies at
 * scrape time: the same from every replica, like the job and audit-log counters.
 */
import { PRUNED_TABLES, tallyOf, type RetentionTallies } from './retention-records.ts';

export function renderRetentionMetrics(tallies: RetentionTallies): string {
  const lines = [
    '# HELP sync_retention_pruned_total Rows retention deleted, by table: finished jobs, their log lines, model events.',
    '# TYPE sync_retention_pruned_total counter',
    ...PRUNED_TABLES.map((table) => `sync_retention_pruned_total{table="${table}"} ${tallyOf(tallies, 'pruned', table)}`),
  ];
  return `${lines.join('\n')}\n`;
}
