/**
 * The loader's side of the remembered `auto` choice (runtime/engine/choice-record.ts,
 * choice-memory.ts): look the load's key up, and turn a record into the report and the
 * failover order of a load that times nothing.
 *
 * Re-checks: a record older than {@link RECHECK_POLICY}'s age or load count, or marked
 * stale by a failover, makes the next `auto` load measure again — the remembered winner
 * first, and without the candidates that were hopeless (they are not timed again until
 * the key changes: another browser version, device, artifact or runtime). The re-check
 * runs in that load, not in the background: timing other backends in the worker would
 * take the thread (and, for wasm, the cores) the model's predictions run on, and keep a
 * second session in memory; one slower load every few weeks costs less than slower
 * predictions at random.
 */
import type { BackendCandidate, BackendReport } from '../engine/backend-choice.ts';
import type { ChoiceMemory } from '../engine/choice-memory.ts';
import { choiceKey, deviceFingerprint, rememberedReason, staleReason, type ChoiceRecord } from '../engine/choice-record.ts';
import type { ArtifactPlan } from '../engine/artifact-choice.ts';
import { RUNTIME_VERSION } from '../engine/runtime-version.ts';
import type { BackendId, Capabilities, EngineSettings } from '../engine/types.ts';

/** What the memory says about one load. */
export interface Recall {
  key: string;
  /** A record that holds: load straight onto its backend. */
  record?: ChoiceRecord;
  /** A record that must be re-checked, and why: measure again, its hopeless candidates excepted. */
  recheck?: { record: ChoiceRecord; why: string };
}

/** Looks up the record of this load (`refresh`: ignore what is there; it is overwritten). */
export async function recall(memory: ChoiceMemory, plan: ArtifactPlan, caps: Capabilities, settings: EngineSettings, refresh: boolean, now = Date.now()): Promise<Recall> {
  const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
  const fingerprint = deviceFingerprint({
    userAgent: nav?.userAgent ?? 'unknown',
    deviceMemory: nav?.deviceMemory,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    caps,
    settings,
  });
  const keyed = plan.candidates.map((backend) => ({ backend, artifact: plan.artifacts.get(backend)!.artifact }));
  const key = await choiceKey(keyed, fingerprint, RUNTIME_VERSION);
  const record = refresh ? undefined : await memory.get(key);
  if (!record) return { key };
  const artifact = plan.artifacts.get(record.backend)?.artifact.id;
  if (!plan.candidates.includes(record.backend) || artifact !== record.artifact) return { key };
  const why = staleReason(record, now);
  return why === undefined ? { key, record } : { key, recheck: { record, why } };
}

/** The report of a load from memory: every candidate with its remembered figures, none timed now. */
export function rememberedReport(record: ChoiceRecord): Omit<BackendReport, 'artifact' | 'artifactReason'> {
  const candidates: BackendCandidate[] = record.candidates.map((c) => ({ ...c, remembered: true }));
  return { backend: record.backend, reason: rememberedReason(record), candidates };
}

/** Where a model loaded from memory goes on a failure: the other measured backends by their remembered score, then the plan's fallbacks. */
export function rememberedFallbacks(record: ChoiceRecord, plan: ArtifactPlan): BackendId[] {
  const measured = record.candidates
    .filter((c) => c.backend !== record.backend && plan.candidates.includes(c.backend))
    .sort((a, b) => (a.hopeless === b.hopeless ? (a.warmupMs ?? Infinity) - (b.warmupMs ?? Infinity) : a.hopeless ? 1 : -1))
    .map((c) => c.backend);
  const rest = plan.candidates.filter((b) => b !== record.backend && !measured.includes(b));
  return [...measured, ...rest, ...plan.fallbacks];
}

/** A re-check times the remembered winner first, then the rest in the plan's order. */
export function recheckOrder(candidates: readonly BackendId[], record: ChoiceRecord): BackendId[] {
  return [record.backend, ...candidates.filter((b) => b !== record.backend)];
}

/** The candidates a re-check does not time again. */
export function notAgain(record: ChoiceRecord): BackendCandidate[] {
  const again = (why = 'hopeless') => (why.startsWith('not timed again') ? why : `not timed again: ${why} (measured ${new Date(record.measuredAt).toISOString().slice(0, 10)})`);
  return record.candidates.filter((c) => c.hopeless && c.backend !== record.backend).map((c) => ({ ...c, skipped: again(c.skipped) }));
}
