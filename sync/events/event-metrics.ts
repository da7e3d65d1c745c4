/**
 * Audit-log counters in Prometheus text format, counted in the database at scrape time
 * (events are only appended, so the counts only grow): every replica, and every job
 * worker on another machine, is counted alike.
 */
import { escapeLabel } from '../metrics.ts';
import { CANARY_ACTIONS, MODEL_EVENT_KINDS, type EventCounts } from './event-records.ts';

export function renderEventMetrics(counts: EventCounts): string {
  const kinds = [...new Set([...MODEL_EVENT_KINDS, ...counts.kinds.map((c) => c.kind)])];
  const actions = [...new Set([...CANARY_ACTIONS, ...counts.canaryActions.map((c) => c.action)])];
  const lines = [
    '# HELP sync_loop_events_total Decisions recorded in the models\' audit log, by kind.',
    '# TYPE sync_loop_events_total counter',
    ...kinds.map((kind) => `sync_loop_events_total{kind="${escapeLabel(kind)}"} ${counts.kinds.find((c) => c.kind === kind)?.events ?? 0}`),
    '# HELP sync_canary_decisions_total Canary decisions recorded, by action.',
    '# TYPE sync_canary_decisions_total counter',
    ...actions.map((action) => `sync_canary_decisions_total{action="${escapeLabel(action)}"} ${counts.canaryActions.find((c) => c.action === action)?.events ?? 0}`),
  ];
  return `${lines.join('\n')}\n`;
}
