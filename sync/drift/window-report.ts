/**
 * What a stored drift window keeps beyond its columns: the counts the device sent (the
 * drift report merges them) and the names of the signals that drifted (an alert names
 * them). Each signal's statistics are not stored: nothing reads them back (the drift
 * report judges the merged counts afresh), and at ~0.6 KB a window they were most of
 * what ingest wrote (docs/BENCHMARKS.md, `sync`).
 *
 * Windows stored before this form kept `{ signals: SignalDrift[], counts }`; they are read
 * as they are.
 */
import type { SignalDrift } from './statistics.ts';

/** A window's report as read back. */
export interface WindowReport {
  counts: Record<string, number[]>;
  drifted: string[];
}

/** The stored text of a window's report: `{"counts":{…},"drifted":[…]}`. */
export function windowReportText(counts: Readonly<Record<string, readonly number[]>>, signals: readonly Pick<SignalDrift, 'name' | 'status'>[]): string {
  const drifted: string[] = [];
  for (const s of signals) if (s.status === 'drift') drifted.push(s.name);
  return JSON.stringify({ counts, drifted });
}

/** Reads a stored window report, in the current form or the earlier one with every signal's statistics. */
export function readWindowReport(text: string): WindowReport {
  const report = JSON.parse(text) as { counts?: Record<string, number[]>; drifted?: string[]; signals?: { name: string; status: string }[] };
  const drifted = report.drifted ?? (report.signals ?? []).filter((s) => s.status === 'drift').map((s) => s.name);
  return { counts: report.counts ?? {}, drifted };
}
