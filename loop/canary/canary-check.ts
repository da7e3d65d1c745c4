/**
 * One look at a model's canary: gathers both sides' figures from the endpoint over the
 * time since the split was set and on the device classes both sides were seen on, decides
 * by the rule, and acts — `promote` points the alias at the canary, `rollback` back at the
 * stable version (devices follow on their next update check). Every decision, its figures
 * and reasons are returned for the job's log; a promote or rollback is also recorded in the
 * model's audit log on the endpoint (`canary-decision`), whether or not it acted.
 */
import type { EndpointClient, TelemetrySummary } from '../retrain/endpoint-client.ts';
import { binnedMean, decideCanary, DEFAULT_CANARY_RULE, histogramQuantile, type CanaryDecision, type CanaryRule, type SideFigures } from './canary-decision.ts';

/** Options of {@link checkCanary}. */
export interface CheckCanaryOptions {
  /** @defaultValue 'production' */
  alias?: string;
  rule?: CanaryRule;
  /** @defaultValue now */
  now?: Date;
  /** Decide, but do not move the alias. @defaultValue false */
  dryRun?: boolean;
}

/** A decision and whether the alias was moved. */
export interface CanaryCheck extends CanaryDecision {
  model: string;
  alias: string;
  since: string;
  deviceClasses: string[];
  acted: boolean;
  /** The alias moved while this check judged it (another worker acted first): nothing was done or recorded. */
  moved?: boolean;
}

function classesOf(summary: TelemetrySummary): Set<string> {
  return new Set(summary.buckets.flatMap((b) => Object.keys(b.deviceClasses)));
}

async function sideFigures(endpoint: EndpointClient, name: string, version: string, range: { from: Date; to: Date }, classes: readonly string[], summary: TelemetrySummary): Promise<SideFigures> {
  const reports = await Promise.all(classes.map((deviceClass) => endpoint.drift(name, version, { ...range, deviceClass })));
  const windows = reports.reduce((n, r) => n + r.windows.total, 0);
  const driftedWindows = reports.reduce((n, r) => n + r.windows.drift, 0);
  // Confidence: the field histograms of every class summed bin by bin (same frozen edges).
  const confidence = reports.flatMap((r) => r.signals.filter((s) => s.name === 'confidence'));
  const edges = confidence[0]?.edges ?? [];
  const field = edges.length ? edges.slice(1).map((_, i) => confidence.reduce((n, s) => n + (s.field[i] ?? 0), 0)) : [];
  const predictions = summary.buckets.reduce((n, b) => n + Object.values(b.predictions).reduce((a, c) => a + c, 0), 0);
  const errors = summary.buckets.reduce((n, b) => n + Object.values(b.errors).reduce((a, c) => a + c, 0), 0);
  const latency = summary.buckets.flatMap((b) => b.latencyMs);
  const latencyEdges = latency[0]?.edges ?? [];
  const latencyCounts = latencyEdges.slice(1).map((_, i) => latency.reduce((n, h) => n + (h.counts[i] ?? 0), 0));
  return { version, windows, driftedWindows, predictions, errors, meanConfidence: edges.length ? binnedMean(edges, field) : null, latencyP95: latencyEdges.length ? histogramQuantile(latencyEdges, latencyCounts, 0.95) : null };
}

/**
 * Looks at `name`'s canary under the alias; undefined when the alias has no canary. A
 * `promote` or `rollback` is recorded on the endpoint as a `canary-decision` event (after
 * the alias moved, so `acted` is true only when it did); `wait` records nothing. The move is
 * conditional on the split judged, so of two workers checking one canary at once only one
 * acts and records; the other returns `moved`.
 * @throws LoopError `ENDPOINT_REFUSED` / `ENDPOINT_UNREACHABLE` when a read, the move or the record fails.
 */
export async function checkCanary(endpoint: EndpointClient, name: string, options: CheckCanaryOptions = {}): Promise<CanaryCheck | undefined> {
  const alias = options.alias ?? 'production';
  const entry = (await endpoint.model(name)).aliases.find((a) => a.alias === alias);
  if (!entry?.canary) return undefined;
  const since = (await endpoint.aliasHistory(name, alias))[0]?.at ?? new Date(0).toISOString();
  const range = { from: new Date(since), to: options.now ?? new Date() };
  const [stableSummary, canarySummary] = await Promise.all([endpoint.summary(name, entry.version, range), endpoint.summary(name, entry.canary.version, range)]);
  const canaryClasses = classesOf(canarySummary);
  const deviceClasses = [...classesOf(stableSummary)].filter((c) => canaryClasses.has(c)).sort();
  const [stable, canary] = await Promise.all([
    sideFigures(endpoint, name, entry.version, range, deviceClasses, stableSummary),
    sideFigures(endpoint, name, entry.canary.version, range, deviceClasses, canarySummary),
  ]);
  const decision = decideCanary(stable, canary, options.rule ?? DEFAULT_CANARY_RULE);
  let acted = false;
  if (!options.dryRun && decision.action !== 'wait') {
    // Only if the split is still the one judged: another worker (or a person) may have moved it meanwhile.
    acted = await endpoint.setAlias(name, alias, { version: decision.action === 'promote' ? entry.canary.version : entry.version, expect: { version: entry.version, canary: entry.canary } });
    if (!acted) return { ...decision, model: name, alias, since, deviceClasses, acted, moved: true };
  }
  const check: CanaryCheck = { ...decision, model: name, alias, since, deviceClasses, acted };
  if (decision.action !== 'wait') {
    const { action, reasons, stable: s, canary: c, rule } = check;
    await endpoint.recordEvent(name, {
      kind: 'canary-decision',
      version: entry.canary.version,
      details: { action, acted, alias, reasons, stable: { ...s }, canary: { ...c }, rule: { ...rule }, since, deviceClasses },
    });
  }
  return check;
}
