/**
 * Audit-log counters in Prometheus text format, counted in the database at scrape time
 * (every replica, and every job worker on another machine, is counted alike): the events
 * stored plus those retention deleted (tallied as it deletes them), so the counts only grow.
 */
import { escapeLabel } from '../metrics.ts';
import { tallyOf, type RetentionTallies } from '../retention/retention-records.ts';
import { CANARY_ACTIONS, MODEL_EVENT_KINDS, type EventCounts } from './event-records.ts';

export function renderEventMetrics(counts: EventCounts, pruned: RetentionTallies = new Map()): string {
  const kinds = [...new Set([...MODEL_EVENT_KINDS, ...counts.kinds.map((c) => c.kind), ...(pruned.get('loop_events')?.keys() ?? [])])];
  const actions = [...new Set([...CANARY_ACTIONS, ...counts.canaryActions.map((c) => c.action), ...(pruned.get('canary_decisions')?.keys() ?? [])])];
  const lines = [
    '# HELP sync_loop_events_total Decisions recorded in the models\' audit log, by kind.',
    '# TYPE sync_loop_events_total counter',
    ...kinds.map((kind) => `sync_loop_events_total{kind="${escapeLabel(kind)}"} ${(counts.kinds.find((c) => c.kind === kind)?.events ?? 0) + tallyOf(pruned, 'loop_events', kind)}`),
    '# HELP sync_canary_decisions_total Canary decisions recorded, by action.',
    '# TYPE sync_canary_decisions_total counter',
    ...actions.map((action) => `sync_canary_decisions_total{action="${escapeLabel(action)}"} ${(counts.canaryActions.find((c) => c.action === action)?.events ?? 0) + tallyOf(pruned, 'canary_decisions', action)}`),
  ];
  return `${lines.join('\n')}\n`;
}
