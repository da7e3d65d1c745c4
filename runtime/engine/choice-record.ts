/**
 * The remembered `auto` choice, pure: what a record holds, how it is keyed, when it is
 * stale, and how a record read back from IndexedDB is checked (choice-memory.ts stores
 * it). A record is reused only for the same artifacts (their files' SHA-256 from the
 * manifest), the same device capabilities and settings, and the same runtime version:
 * change any of them and the key changes, so the model is measured afresh.
 */
import { sha256Hex } from '../../format/index.ts';
import type { BackendCandidate } from './backend-choice.ts';
import { isBackendId } from './backend-table.ts';
import type { BackendId, Capabilities, EngineSettings } from './types.ts';

/** One candidate as the record keeps it. */
export interface RememberedCandidate {
  backend: BackendId;
  /** Its score when it was measured (ms per run). */
  warmupMs?: number;
  /** Why it was not timed or stopped being timed (a hopeless one is not timed again). */
  skipped?: string;
  /** True when it was hopeless against the best: a re-check does not time it again. */
  hopeless?: boolean;
}

/** What the memory keeps per (artifacts, device, runtime version). */
export interface ChoiceRecord {
  /** {@link choiceKey} of the load. */
  key: string;
  backend: BackendId;
  /** The artifact id the backend ran. */
  artifact: string;
  /** When the candidates were last measured (epoch ms). */
  measuredAt: number;
  /** Loads served from this record since it was measured. */
  loads: number;
  candidates: RememberedCandidate[];
  runtimeVersion: string;
  /** Set when the next load must re-measure, and why (e.g. a failover). */
  stale?: string;
}

/** When a record is re-checked: the next load after either limit re-measures (hopeless candidates excepted). */
export interface RecheckPolicy {
  /** @defaultValue 14 days */
  maxAgeMs: number;
  /** @defaultValue 50 loads */
  maxLoads: number;
}

/** The default {@link RecheckPolicy}. */
export const RECHECK_POLICY: RecheckPolicy = Object.freeze({ maxAgeMs: 14 * 24 * 3600_000, maxLoads: 50 });

/** What the device fingerprint is made of: capabilities, the settings that change speed, and the browser. */
export interface FingerprintInput {
  userAgent: string;
  caps: Capabilities;
  settings: Pick<EngineSettings, 'numThreads' | 'tfjsFlags'>;
  crossOriginIsolated: boolean;
  /** `navigator.deviceMemory` where the browser has it. */
  deviceMemory?: number;
}

/**
 * The device capability fingerprint, a canonical string: the browser (user agent), the
 * core count and memory, WebGPU (adapter vendor, architecture, fallback, f16, limits),
 * wasm (SIMD, threads, cross-origin isolation) and the speed-relevant settings (wasm
 * threads, tfjs flags). A browser update or another GPU makes another fingerprint.
 */
export function deviceFingerprint(input: FingerprintInput): string {
  const { caps, settings } = input;
  const gpu = caps.webgpu;
  const flags = Object.fromEntries(Object.entries(settings.tfjsFlags).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({
    ua: input.userAgent,
    cores: caps.hardwareConcurrency,
    memory: input.deviceMemory ?? null,
    webgpu: gpu.adapter ? { vendor: gpu.vendor ?? '', architecture: gpu.architecture ?? '', fallback: gpu.fallback === true, f16: gpu.shaderF16 === true, limits: gpu.limits ?? null } : null,
    wasm: { simd: caps.wasm.simd, threads: caps.wasm.threads, isolated: input.crossOriginIsolated, numThreads: settings.numThreads },
    tfjsFlags: flags,
  });
}

/** The artifact each candidate backend runs, as the key hashes it. */
export interface KeyedArtifact {
  backend: BackendId;
  artifact: { id: string; files: ReadonlyArray<{ path: string; sha256: string }> };
}

/**
 * The memory key: SHA-256 over the candidates and their artifacts' files (path and
 * SHA-256 from the manifest, so new weights under the same name and version are
 * another key), the device fingerprint and the runtime version.
 */
export async function choiceKey(candidates: readonly KeyedArtifact[], fingerprint: string, runtimeVersion: string): Promise<string> {
  const artifacts = candidates.map(({ backend, artifact }) => [backend, artifact.id, artifact.files.map((f) => `${f.path}:${f.sha256}`)]);
  return sha256Hex(new TextEncoder().encode(JSON.stringify({ artifacts, fingerprint, runtimeVersion })));
}

/** Why a record must be re-measured at `now`, or `undefined` while it holds. */
export function staleReason(record: ChoiceRecord, now: number, policy: RecheckPolicy = RECHECK_POLICY): string | undefined {
  if (record.stale !== undefined) return record.stale;
  if (now - record.measuredAt > policy.maxAgeMs) return `measured ${day(record.measuredAt)}, over ${Math.round(policy.maxAgeMs / 86_400_000)} days ago`;
  if (record.loads >= policy.maxLoads) return `${record.loads} loads since it was measured`;
  return undefined;
}

/** `auto: remembered from 2026-12-07 (ort-wasm 25.1 ms vs tfjs-wasm 80.2 ms)`. */
export function rememberedReason(record: ChoiceRecord): string {
  const chosen = record.candidates.find((c) => c.backend === record.backend);
  const runnerUp = record.candidates.filter((c) => c.backend !== record.backend && c.warmupMs !== undefined).sort((a, b) => a.warmupMs! - b.warmupMs!)[0];
  const figures = chosen?.warmupMs === undefined ? '' : runnerUp ? ` (${record.backend} ${fmt(chosen.warmupMs)} ms vs ${runnerUp.backend} ${fmt(runnerUp.warmupMs!)} ms)` : ` (${record.backend} ${fmt(chosen.warmupMs)} ms)`;
  return `auto: remembered from ${day(record.measuredAt)}${figures}`;
}

/** The record of a fresh measurement. */
export function recordOf(key: string, backend: BackendId, artifact: string, candidates: readonly BackendCandidate[], runtimeVersion: string, now: number): ChoiceRecord {
  return {
    key,
    backend,
    artifact,
    measuredAt: now,
    loads: 0,
    runtimeVersion,
    candidates: candidates.map((c) => ({
      backend: c.backend,
      ...(c.warmupMs === undefined ? {} : { warmupMs: c.warmupMs }),
      ...(c.skipped === undefined ? {} : { skipped: c.skipped }),
      ...(c.hopeless ? { hopeless: true } : {}),
    })),
  };
}

/** `value` as a {@link ChoiceRecord} when it is one (IndexedDB data outlives code versions and may be damaged), else `undefined`. */
export function parseChoiceRecord(value: unknown): ChoiceRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (typeof r.key !== 'string' || !/^[0-9a-f]{64}$/.test(r.key)) return undefined;
  if (!isBackendId(r.backend) || typeof r.artifact !== 'string' || typeof r.runtimeVersion !== 'string') return undefined;
  if (!finite(r.measuredAt) || !finite(r.loads) || (r.loads as number) < 0) return undefined;
  if (r.stale !== undefined && typeof r.stale !== 'string') return undefined;
  if (!Array.isArray(r.candidates)) return undefined;
  const candidates: RememberedCandidate[] = [];
  for (const item of r.candidates as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const c = item as Record<string, unknown>;
    if (!isBackendId(c.backend)) return undefined;
    if (c.warmupMs !== undefined && (!finite(c.warmupMs) || (c.warmupMs as number) < 0)) return undefined;
    if (c.skipped !== undefined && typeof c.skipped !== 'string') return undefined;
    if (c.hopeless !== undefined && c.hopeless !== true) return undefined;
    candidates.push({ backend: c.backend, ...(c.warmupMs === undefined ? {} : { warmupMs: c.warmupMs as number }), ...(c.skipped === undefined ? {} : { skipped: c.skipped as string }), ...(c.hopeless ? { hopeless: true } : {}) });
  }
  const chosen = candidates.find((c) => c.backend === r.backend);
  if (!chosen || chosen.warmupMs === undefined) return undefined;
  return {
    key: r.key,
    backend: r.backend,
    artifact: r.artifact,
    measuredAt: r.measuredAt as number,
    loads: r.loads as number,
    candidates,
    runtimeVersion: r.runtimeVersion,
    ...(r.stale === undefined ? {} : { stale: r.stale as string }),
  };
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
