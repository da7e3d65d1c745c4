/**
 * Which artifact each backend runs on this device, and which backends a load times:
 * pure, so every rule is a table-driven Node test.
 *
 * Rules, in order:
 * 1. An explicit `artifact` id wins (its engine's backends that meet its `requires`).
 * 2. An artifact can run on a backend when the backend runs its engine and is allowed
 *    and usable (a WebGPU backend needs an adapter — a software one will do) and its
 *    `requires` allow it: `webgpu` only on WebGPU backends; `shader-f16` (a WebGPU
 *    shader feature) keeps WebGPU backends off it where the adapter lacks the feature,
 *    while wasm runs its f16 weights as they are. `precision` other than `auto` keeps
 *    only that precision; none runnable is `PRECISION_UNAVAILABLE`.
 * 3. Fit, best first: compressed for this device class (its `device` equals the one
 *    detected; a software adapter counts as no WebGPU); a target's fallback where its
 *    condition holds here (`no-shader-f16`: its class with shader-f16 off) or where its
 *    primary cannot run; then generic artifacts (no `device`: old manifests, fp32
 *    exports); then artifacts made for another class, closest first; a fallback not
 *    needed here last. Ties: higher precision first, then manifest order.
 * 4. Each backend gets its best-fitting artifact; the backends whose artifact has the
 *    best fit of all are timed by `auto` (old manifests: every backend, as before); the
 *    rest are failover targets.
 */
import { EdgeloopError, PRECISIONS, type Artifact, type ArtifactDevice, type Manifest, type Precision } from '../../format/index.ts';
import { BACKEND_TABLE, backendRow } from './backend-table.ts';
import { failoverOrder } from './backend-choice.ts';
import type { BackendId, Capabilities } from './types.ts';

/** The precision a load asks for: `auto` lets the device decide. */
export type PrecisionOption = 'auto' | Precision;

/** Options of {@link chooseArtifacts}. */
export interface ArtifactChoiceOptions {
  /** Weights' precision, or `auto`. @defaultValue 'auto' */
  precision?: PrecisionOption;
  /** An artifact id that overrides the choice. */
  artifact?: string;
  /** A backend to force, or `auto`. @defaultValue 'auto' */
  backend?: BackendId | 'auto';
  /** Restrict the choice to these backends. @defaultValue every backend */
  allow?: readonly BackendId[];
}

/** The artifact one backend would run, and why. */
export interface ChosenArtifact {
  artifact: Artifact;
  /** Lower fits better; 0 is "compressed for this device". */
  fit: number;
  reason: string;
}

/** A backend that cannot run anything in this package here, and why. */
export interface ExcludedBackend {
  backend: BackendId;
  skipped: string;
}

/** The result of {@link chooseArtifacts}. */
export interface ArtifactPlan {
  /** The backends to time (`auto`), or the forced one, in timing order. */
  candidates: BackendId[];
  /** The other backends that can run an artifact here, best first: where a failing model goes. */
  fallbacks: BackendId[];
  /** The artifact of every backend in `candidates` and `fallbacks`. */
  artifacts: ReadonlyMap<BackendId, ChosenArtifact>;
  excluded: ExcludedBackend[];
}

const FIT_MATCH = 0;
const FIT_GENERIC = 1;
const FIT_OTHER_CLASS = 2; // + the number of features that differ
const FIT_UNNEEDED_FALLBACK = 5;

/** The device class this device counts as when fitting artifacts: a software WebGPU adapter counts as none. */
export function deviceClassOf(caps: Capabilities): ArtifactDevice {
  const webgpu = caps.webgpu.adapter && !caps.webgpu.fallback;
  return { webgpu, shaderF16: webgpu && caps.webgpu.shaderF16 === true };
}

/** Chooses the artifact of each backend and the backends to time; see the module comment for the rules. */
export function chooseArtifacts(manifest: Manifest, caps: Capabilities, options: ArtifactChoiceOptions = {}): ArtifactPlan {
  const wanted = new Set<BackendId>(options.allow ?? BACKEND_TABLE.map((row) => row.id));
  if (options.backend !== undefined && options.backend !== 'auto') wanted.add(options.backend);
  const usable: BackendId[] = [];
  const excluded: ExcludedBackend[] = [];
  for (const row of BACKEND_TABLE) {
    if (!wanted.has(row.id)) continue;
    if (!manifest.artifacts.some((a) => a.engine === row.engine)) excluded.push({ backend: row.id, skipped: `the package has no ${row.engine} artifact` });
    else if (row.needsWebGpu && !caps.webgpu.adapter) excluded.push({ backend: row.id, skipped: caps.webgpu.reason ?? 'no WebGPU adapter' });
    else usable.push(row.id);
  }

  const explicit = options.artifact === undefined ? undefined : findArtifact(manifest, options.artifact);
  const precision = options.precision ?? 'auto';
  const pool = precision === 'auto' ? manifest.artifacts : manifest.artifacts.filter((a) => a.precision === precision);
  if (precision !== 'auto' && explicit === undefined) assertPrecision(manifest, precision, pool, usable, caps);

  const artifacts = new Map<BackendId, ChosenArtifact>();
  const here = deviceClassOf(caps);
  const runnablePool = pool.filter((a) => usable.some((b) => runsOn(a, b, caps)));
  for (const backend of usable) {
    const choices = runnablePool.filter((a) => runsOn(a, backend, caps)).map((a) => fitOf(a, runnablePool, here, caps));
    choices.sort((x, y) => x.fit - y.fit || PRECISIONS.indexOf(x.artifact.precision) - PRECISIONS.indexOf(y.artifact.precision) || manifest.artifacts.indexOf(x.artifact) - manifest.artifacts.indexOf(y.artifact));
    const best = choices[0];
    if (best) artifacts.set(backend, precision === 'auto' ? best : { ...best, reason: `precision ${precision} requested; ${best.reason}` });
    else excluded.push({ backend, skipped: whyNothingRuns(manifest, backend, precision, caps) });
  }

  const forced = options.backend !== undefined && options.backend !== 'auto' ? options.backend : undefined;
  let candidates: BackendId[];
  if (explicit) {
    candidates = usable.filter((b) => runsOn(explicit, b, caps));
    for (const b of candidates) artifacts.set(b, { artifact: explicit, fit: FIT_MATCH, reason: 'chosen by the artifact option' });
    const missing = forced ? [forced] : candidates.length === 0 ? usable : [];
    for (const backend of missing) {
      if (usable.includes(backend) && !candidates.includes(backend)) excluded.push({ backend, skipped: `artifact ${explicit.id} cannot run on ${backend} here${unmet(explicit, backend, caps)}` });
    }
    // Without a forced backend, a model loaded with an explicit artifact stays on it.
    if (!forced) for (const b of [...artifacts.keys()]) if (!candidates.includes(b)) artifacts.delete(b);
  } else {
    const bestFit = Math.min(...[...artifacts.values()].map((c) => c.fit));
    candidates = usable.filter((b) => artifacts.get(b)?.fit === bestFit);
  }
  // On a software (fallback) adapter, WebGPU is the least likely to win: time it last, so
  // the early stop in chooseBackend spares the user most of its slow warm-up.
  if (caps.webgpu.fallback) candidates.sort((a, b) => Number(backendRow(a).needsWebGpu) - Number(backendRow(b).needsWebGpu));

  let fallbacks: BackendId[];
  if (forced) {
    candidates = artifacts.has(forced) && (!explicit || candidates.includes(forced)) ? [forced] : [];
    // A forced backend that fails mid-session moves on by the failover order, best fit first.
    fallbacks = failoverOrder(forced, [...artifacts.keys()]);
  } else {
    fallbacks = [...artifacts.keys()].filter((b) => !candidates.includes(b)).sort((a, b) => backendRow(a).priority - backendRow(b).priority);
  }
  fallbacks.sort((a, b) => artifacts.get(a)!.fit - artifacts.get(b)!.fit);
  return { candidates, fallbacks, artifacts, excluded };
}

function findArtifact(manifest: Manifest, id: string): Artifact {
  const artifact = manifest.artifacts.find((a) => a.id === id);
  if (!artifact) {
    throw new EdgeloopError('NO_COMPATIBLE_ARTIFACT', `${manifest.name}@${manifest.version} has no artifact "${id}" (it has ${manifest.artifacts.map((a) => a.id).join(', ')})`, {
      details: { artifact: id, available: manifest.artifacts.map((a) => a.id) },
    });
  }
  return artifact;
}

/** Throws `PRECISION_UNAVAILABLE` unless some artifact of `precision` runs here. */
function assertPrecision(manifest: Manifest, precision: string, pool: readonly Artifact[], usable: readonly BackendId[], caps: Capabilities): void {
  const runnable = (a: Artifact) => usable.some((b) => runsOn(a, b, caps));
  if ((PRECISIONS as readonly string[]).includes(precision) && pool.some(runnable)) return;
  const available = PRECISIONS.filter((p) => manifest.artifacts.some((a) => a.precision === p && runnable(a)));
  const inPackage = PRECISIONS.filter((p) => manifest.artifacts.some((a) => a.precision === p));
  const what = (PRECISIONS as readonly string[]).includes(precision)
    ? pool.length === 0
      ? `${manifest.name}@${manifest.version} has no ${precision} artifact`
      : `no ${precision} artifact of ${manifest.name}@${manifest.version} can run on this device (${pool.map((a) => `${a.id}${unmetAnywhere(a, usable, caps)}`).join('; ')})`
    : `"${precision}" is not a precision (use auto, ${PRECISIONS.join(', ')})`;
  throw new EdgeloopError('PRECISION_UNAVAILABLE', `${what}; precisions available here: ${available.length > 0 ? available.join(', ') : 'none'}`, {
    details: { precision, available, inPackage },
  });
}

/**
 * True when `artifact` can run on `backend` (already known usable on this device):
 * `webgpu` keeps it to WebGPU backends; `shader-f16`, a WebGPU shader feature, keeps a
 * WebGPU backend off it unless the adapter has the feature (wasm has no shaders: f16
 * weights run there as they are).
 */
function runsOn(artifact: Artifact, backend: BackendId, caps: Capabilities): boolean {
  return missingFeatures(artifact, backend, caps).length === 0 && backendRow(backend).engine === artifact.engine;
}

function missingFeatures(artifact: Artifact, backend: BackendId, caps: Capabilities): string[] {
  const { needsWebGpu } = backendRow(backend);
  return (artifact.requires ?? []).filter((f) => (f === 'webgpu' ? !needsWebGpu : needsWebGpu && caps.webgpu.shaderF16 !== true));
}

/** `: …` naming what `backend` lacks for `artifact`, or nothing. */
function unmet(artifact: Artifact, backend: BackendId, caps: Capabilities): string {
  if (backendRow(backend).engine !== artifact.engine) return `: it is a ${artifact.engine} artifact`;
  const missing = missingFeatures(artifact, backend, caps);
  if (missing.length === 0) return '';
  return missing.includes('webgpu') ? ': it requires a WebGPU backend' : `: it requires ${missing.join(', ')}, which this adapter lacks`;
}

function unmetAnywhere(artifact: Artifact, usable: readonly BackendId[], caps: Capabilities): string {
  const own = usable.filter((b) => backendRow(b).engine === artifact.engine);
  if (own.length === 0) return `: no ${artifact.engine} backend is usable here`;
  return unmet(artifact, own[0]!, caps) || '';
}

function whyNothingRuns(manifest: Manifest, backend: BackendId, precision: PrecisionOption, caps: Capabilities): string {
  const own = manifest.artifacts.filter((a) => a.engine === backendRow(backend).engine && (precision === 'auto' || a.precision === precision));
  if (own.length === 0) return `the package has no ${precision} ${backendRow(backend).engine} artifact`;
  return `no artifact runs on it here (${own.map((a) => `${a.id}${unmet(a, backend, caps)}`).join('; ')})`;
}

/** How well `artifact` fits this device class, among the runnable `pool`. */
function fitOf(artifact: Artifact, pool: readonly Artifact[], here: ArtifactDevice, caps: Capabilities): ChosenArtifact {
  const device = artifact.device;
  if (!device) return { artifact, fit: FIT_GENERIC, reason: `generic ${artifact.precision} artifact: none in the package is compressed for this device (${describeDevice(caps)})` };
  if (artifact.fallbackWhen !== undefined) {
    // Its condition holding here (no shader-f16) is what the fallback is for; otherwise it
    // stands in only for a primary that cannot run here.
    const holds = artifact.fallbackWhen === 'no-shader-f16' && !here.shaderF16;
    const primary = pool.find((a) => a.target === artifact.target && a.fallbackWhen === undefined);
    if (!holds && primary) return { artifact, fit: FIT_UNNEEDED_FALLBACK, reason: `fallback of ${artifact.target}, whose primary ${primary.id} runs here (last resort)` };
    const effective = holds ? { ...device, shaderF16: false } : device;
    const fit = differences(effective, here);
    const why = holds ? `this device has no shader-f16` : `its primary cannot run here`;
    return fit === 0
      ? { artifact, fit: FIT_MATCH, reason: `fallback of ${artifact.target} (${why}): ${describeDevice(caps)}` }
      : { artifact, fit: FIT_OTHER_CLASS + fit, reason: `fallback of ${artifact.target} (${describeClass(device)}), the closest this device can run (${describeDevice(caps)})` };
  }
  const fit = differences(device, here);
  return fit === 0
    ? { artifact, fit: FIT_MATCH, reason: `compressed for ${artifact.target}: ${describeDevice(caps)}` }
    : { artifact, fit: FIT_OTHER_CLASS + fit, reason: `compressed for ${artifact.target} (${describeClass(device)}), the closest this device can run (${describeDevice(caps)})` };
}

function differences(a: ArtifactDevice, b: ArtifactDevice): number {
  return Number(a.webgpu !== b.webgpu) + Number(a.webgpu && b.webgpu && a.shaderF16 !== b.shaderF16);
}

function describeClass(device: ArtifactDevice): string {
  return !device.webgpu ? 'no WebGPU' : device.shaderF16 ? 'WebGPU with shader-f16' : 'WebGPU without shader-f16';
}

/** This device in words, as the artifact reasons say it. */
export function describeDevice(caps: Capabilities): string {
  if (!caps.webgpu.adapter) return 'no WebGPU adapter here';
  if (caps.webgpu.fallback) return 'only a software WebGPU adapter here (counted as no WebGPU)';
  return caps.webgpu.shaderF16 ? 'a WebGPU adapter with shader-f16 here' : 'a WebGPU adapter without shader-f16 here';
}
