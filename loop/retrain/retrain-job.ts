/**
 * One retraining job: from the parent version on the endpoint and the examples the field
 * shared, fine-tune a candidate, judge it by the gate, and only when it passes publish it
 * signed and point the alias's canary at it. Runs in a job worker (the sync endpoint's
 * queue hands it the job), in Node, on the trainer's cpu kernels.
 *
 * Retried jobs publish once: the new version records the job's id in its lineage, and a
 * retry that finds a version made by its own job skips to the alias step; training is
 * seeded by the job id, so a retry that gets that far again builds the same candidate.
 */
import { compareVersions, highestVersion, type Manifest, type SigningKeyPair } from '../../format/index.ts';
import { createArtifactRunner, loadTfjsArtifact, type RunArtifact } from '../../compress/index.ts';
import type { EdgeTargetSource } from '../../devices/index.ts';
import { augmentImages, buildModel, buildTrainedPackage, evaluateAccuracy, trainBriefly, type HistoryEntry, type ModelConfig } from '../../trainer/index.ts';
import { LoopError } from '../loop-error.ts';
import { feedbackInput, type EndpointClient, type FeedbackRow } from './endpoint-client.ts';
import { DEFAULT_GATE, judgeGate, type GateDecision, type GateRule } from './gate.ts';
import { withBackend } from './with-backend.ts';
import { buildLikeParent, type LikeParent } from './parent-artifacts.ts';

/** Labelled rows of model input values. */
export interface LabelledRows {
  x: Float32Array;
  y: Uint8Array;
}

/** The parent's own training data, found from its manifest's lineage (dataset hash, split). */
export type TrainingDataSource = (parent: Manifest) => Promise<{ train: LabelledRows; test: LabelledRows }>;

/** What the queue hands the handler. */
export interface RetrainRequest {
  jobId: string;
  model: string;
  /** The version to start from. @defaultValue the alias's version, else the newest */
  parentVersion?: string;
  /** When the job was made: the new version's `createdAt` (so a retry builds the same bytes). */
  createdAt: string;
  /**
   * `fine-tune` the parent's weights (fast: a few epochs), or `retrain` the parent's
   * architecture from fresh weights on all of its training data plus the feedback, with
   * its recorded training settings (for a drift the parent's weights cannot follow).
   * @defaultValue 'fine-tune'
   */
  mode?: 'fine-tune' | 'retrain';
}

/** How a handler reports. */
export interface RetrainContext {
  progress(fraction: number, message: string): unknown;
  log(line: string): unknown;
  signal?: AbortSignal;
}

/** Fixed settings of a retraining worker. */
export interface RetrainSettings {
  endpoint: EndpointClient;
  /** Keys the parent's signature must be by. */
  trustedKeys: readonly string[];
  /** The publisher key new versions are signed with. */
  signingKey: SigningKeyPair;
  data: TrainingDataSource;
  gate?: GateRule;
  /** The alias whose canary gets the new version. @defaultValue 'production' */
  alias?: string;
  /** Share of devices on the canary. @defaultValue 50 */
  canaryPercent?: number;
  /** Fine-tuning epochs. @defaultValue 3 */
  epochs?: number;
  /** Examples of the parent's training data replayed beside the feedback (against forgetting). @defaultValue 6000 */
  replayExamples?: number;
  /** The feedback's share of the fine-tuning examples (it is repeated to reach it). @defaultValue 1/3 */
  feedbackShare?: number;
  /**
   * Each repeat of an image model's feedback after the first is a new random draw of small
   * shifts (±2 px) and turns (±10°), so the repeats teach the drifted look, not those
   * exact pixels. Measured: the mnist-cnn on the loop bench recovers 0.90 of the lost
   * accuracy with it, 0.77 without; a dense-only MLP does worse with it (feedback hold-out
   * 0.72 vs 0.77, test −0.5 points: to a dense layer a shifted digit is a new pattern).
   * @defaultValue true for a convolutional image model, false otherwise
   */
  augmentFeedback?: boolean;
  /**
   * The tfjs backend training runs on, started by the caller (`'wasm'` with the trainer's
   * `registerWasmTrainingKernels`: several times faster than cpu for a CNN); evaluation and
   * compression stay on the active one. The child's `trainerConfig.backend` names it.
   * @defaultValue the active backend
   */
  trainingBackend?: string;
  /** Runs the rebuilt ONNX and compressed artifacts on the test split. @defaultValue `createArtifactRunner()` (tfjs-cpu, ort-wasm) */
  runArtifact?: RunArtifact;
  /** Where the parent's edge targets are looked up. @defaultValue devices/targets.json */
  targets?: EdgeTargetSource;
}

/** What a job did. */
export interface RetrainResult {
  /** `skipped`: the alias has a canary being judged; a new version waits for its decision. */
  outcome: 'published' | 'gate-failed' | 'skipped';
  /** Why it was skipped. */
  reason?: string;
  parent: string;
  version?: string;
  /** An earlier attempt of this job had published it already. */
  alreadyPublished?: boolean;
  gate?: GateDecision;
  alias?: { alias: string; version: string; canary: { version: string; percent: number } };
  /** The parent's artifacts built again for the new version, and those left out (with why). */
  artifacts?: { rebuilt: string[]; dropped: LikeParent['dropped'] };
}

/** A retrain job as the sync endpoint's queue hands it to a worker (its `Job`'s fields the handler reads). */
export interface QueuedRetrainJob {
  id: number | string;
  model: string;
  createdAt: string;
  payload: { parentVersion?: string | null; mode?: string | null };
}

/**
 * The {@link RetrainRequest} of a queued job: its id and creation time make the job id
 * (a retry of the job finds what an earlier attempt published).
 * @throws LoopError `JOB_INVALID` for a mode this worker does not know.
 */
export function retrainRequestOf(job: QueuedRetrainJob): RetrainRequest {
  const mode = job.payload.mode ?? 'fine-tune';
  if (mode !== 'fine-tune' && mode !== 'retrain') throw new LoopError('JOB_INVALID', `job ${job.id} asks for mode ${JSON.stringify(mode)}; this worker knows "fine-tune" and "retrain"`, { details: { mode } });
  return { jobId: `${job.id}@${job.createdAt}`, model: job.model, parentVersion: job.payload.parentVersion ?? undefined, createdAt: job.createdAt, mode };
}

/** The next minor version above every published one. */
export function nextVersion(published: readonly string[]): string {
  const highest = highestVersion(published) ?? '0.0.0';
  const [major, minor] = highest.split(/[.-]/).map(Number) as [number, number];
  return `${major}.${minor + 1}.0`;
}

/** A 31-bit seed from the job id (the same job trains the same way). */
function seedOf(jobId: string): number {
  let h = 2166136261;
  for (let i = 0; i < jobId.length; i++) h = Math.imul(h ^ jobId.charCodeAt(i), 16777619);
  return (h >>> 1) % 2147483647;
}

/** Splits feedback rows into fine-tuning and hold-out by their content id (stable across runs and workers). */
function splitFeedback(rows: readonly FeedbackRow[]): { train: FeedbackRow[]; holdout: FeedbackRow[] } {
  const train: FeedbackRow[] = [];
  const holdout: FeedbackRow[] = [];
  for (const row of rows) (parseInt(row.id.slice(0, 2), 16) < 179 ? train : holdout).push(row);
  return { train, holdout };
}

function rowsOf(rows: readonly FeedbackRow[], labels: readonly string[], size: number): LabelledRows {
  const x = new Float32Array(rows.length * size);
  const y = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    x.set(feedbackInput(row).subarray(0, size), i * size);
    y[i] = labels.indexOf(row.label);
  });
  return { x, y };
}

function concat(parts: readonly LabelledRows[]): LabelledRows {
  const x = new Float32Array(parts.reduce((n, p) => n + p.x.length, 0));
  const y = new Uint8Array(parts.reduce((n, p) => n + p.y.length, 0));
  let xo = 0;
  let yo = 0;
  for (const p of parts) {
    x.set(p.x, xo);
    y.set(p.y, yo);
    xo += p.x.length;
    yo += p.y.length;
  }
  return { x, y };
}

/** Runs one retraining job. */
export async function runRetrainJob(request: RetrainRequest, ctx: RetrainContext, settings: RetrainSettings): Promise<RetrainResult> {
  const { endpoint } = settings;
  const aliasName = settings.alias ?? 'production';
  const percent = settings.canaryPercent ?? 50;
  const name = request.model;
  const step = async (fraction: number, message: string) => {
    if (ctx.signal?.aborted) throw new LoopError('JOB_INVALID', `the job was stopped (${String(ctx.signal.reason)})`);
    await ctx.progress(fraction, message);
    await ctx.log(message);
  };

  await step(0.02, `reading ${name} from the endpoint`);
  const info = await endpoint.model(name);
  const published = info.versions.map((v) => v.version);
  const entry = info.aliases.find((a) => a.alias === aliasName);
  const aliased = entry?.version;
  const parent = request.parentVersion ?? aliased ?? highestVersion(published);
  if (!parent || !published.includes(parent)) throw new LoopError('JOB_INVALID', `${name} has no published version ${parent ?? '(none)'} to retrain from`, { details: { name, parent } });

  // An earlier attempt of this job may have published already: then only the alias is left to do.
  for (const version of published.filter((v) => compareVersions(v, parent) > 0)) {
    const made = await endpoint.manifest(name, version, settings.trustedKeys);
    if (made.lineage?.trainerConfig?.retrainJob === request.jobId) {
      await ctx.log(`${name}@${version} was published by an earlier attempt of this job`);
      // If it already went out on the alias (and was perhaps promoted or rolled back since), that stands.
      const history = await endpoint.aliasHistory(name, aliasName);
      if (history.some((h) => h.version === version || h.canary?.version === version)) {
        await step(1, `${name}@${version} already went out on ${aliasName}; left as the canary decision made it`);
        return { outcome: 'published', parent, version, alreadyPublished: true };
      }
      const alias = entry?.canary ? undefined : await pointCanary(endpoint, name, aliasName, entry, parent, version, percent);
      if (!alias) await ctx.log(`${aliasName} has moved since (${entry?.canary ? `${entry.canary.version} is on its canary` : 'changed meanwhile'}); ${version} stays published, off the alias`);
      return { outcome: 'published', parent, version, alreadyPublished: true, ...(alias ? { alias } : {}) };
    }
  }

  if (entry?.canary) {
    const reason = `${aliasName} has a canary (${entry.canary.version} on ${entry.canary.percent} % of devices) waiting for its decision; retrain again after it is promoted or rolled back`;
    await step(1, `skipped: ${reason}`);
    return { outcome: 'skipped', parent, reason };
  }

  await step(0.08, `downloading ${name}@${parent} (signature and files checked)`);
  const pkg = await endpoint.package(name, parent, settings.trustedKeys);
  const { manifest } = pkg;
  const tfjs = manifest.artifacts.find((a) => a.engine === 'tfjs' && a.precision === 'fp32');
  const labels = manifest.output.labels;
  if (!tfjs || !labels) throw new LoopError('PARENT_UNSUPPORTED', `${name}@${parent} has no fp32 tfjs artifact or no labels: it cannot be fine-tuned here`, { details: { name, parent } });
  const paths = tfjs.files.map((f) => f.path);
  const size = manifest.input.shape.slice(1).reduce((a, b) => a * b, 1);

  await step(0.15, "reading the parent's training data and the shared feedback");
  const data = await settings.data(manifest);
  const rows = (await endpoint.feedback(name)).filter((r) => labels.includes(r.label) && feedbackInput(r).length === size);
  const split = splitFeedback(rows);
  const feedbackTrain = rowsOf(split.train, labels, size);
  const holdout = rowsOf(split.holdout, labels, size);
  await ctx.log(`${rows.length} feedback examples: ${split.train.length} to fine-tune on, ${split.holdout.length} held out for the gate`);
  const rule = settings.gate ?? DEFAULT_GATE;
  if (split.holdout.length < rule.minFeedbackExamples) {
    // Examples may still be on their way (devices send counts and examples separately): fail this attempt, the queue retries later.
    throw new LoopError('FEEDBACK_INSUFFICIENT', `${name} has ${rows.length} shared examples, ${split.holdout.length} of them held out; the gate needs ${rule.minFeedbackExamples} held out (about ${Math.ceil(rule.minFeedbackExamples / 0.3)} shared). The job is tried again later`, {
      details: { shared: rows.length, heldOut: split.holdout.length, needed: rule.minFeedbackExamples },
    });
  }

  const mode = request.mode ?? 'fine-tune';
  const parentModel = await loadTfjsArtifact(pkg.files, paths);
  const fromScratch = mode === 'retrain' ? architectureOf(manifest) : undefined;
  const candidate = fromScratch ? buildModel(fromScratch.model) : await loadTfjsArtifact(pkg.files, paths);
  try {
    const parentTest = evaluateAccuracy(parentModel, data.test.x, data.test.y);
    const parentFeedback = holdout.y.length ? evaluateAccuracy(parentModel, holdout.x, holdout.y) : 0;
    await ctx.log(`parent ${parent}: test accuracy ${(parentTest * 100).toFixed(1)} %, feedback hold-out ${(parentFeedback * 100).toFixed(1)} %`);

    // The feedback (repeated to make up `feedbackShare` of the examples) beside the parent's data:
    // a replay of it against forgetting when fine-tuning, all of it when retraining.
    const replayCount = fromScratch ? data.train.y.length : Math.min(settings.replayExamples ?? 6000, data.train.y.length);
    const replay = { x: data.train.x.subarray(0, replayCount * size), y: data.train.y.subarray(0, replayCount) };
    const share = settings.feedbackShare ?? 1 / 3;
    const repeats = feedbackTrain.y.length ? Math.max(1, Math.round((replayCount * share) / (1 - share) / feedbackTrain.y.length)) : 0;
    const seed = seedOf(request.jobId);
    const image = manifest.input.shape.length === 4 && manifest.input.layout !== 'NCHW';
    const convolutional = candidate.layers.some((layer) => /Conv/.test(layer.getClassName()));
    const augment = image && (settings.augmentFeedback ?? convolutional);
    const shape = [feedbackTrain.y.length, ...manifest.input.shape.slice(1)] as [number, number, number, number];
    const copies = Array.from({ length: repeats }, (_, i) => (augment && i > 0 ? { x: augmentImages(feedbackTrain.x, shape, { seed: seed + i }), y: feedbackTrain.y } : feedbackTrain));
    const mixed = concat([replay, ...copies]);
    const epochs = fromScratch?.epochs ?? settings.epochs ?? 3;
    const learningRate = fromScratch?.learningRate ?? 0.0005;
    const history: HistoryEntry[] = [];
    await step(
      0.25,
      `${fromScratch ? 'retraining from fresh weights' : 'fine-tuning'} on ${mixed.y.length} examples (${replayCount} of the parent's, ${feedbackTrain.y.length} feedback × ${repeats}${augment ? ', repeats shifted and turned a little' : ''}), ${epochs} epochs`,
    );
    const trainingBackend = await withBackend(settings.trainingBackend, () =>
      trainBriefly(candidate, {
        images: mixed.x,
        labels: mixed.y,
        epochs,
        learningRate,
        seed,
        onEpoch: (e) => {
          history.push({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy });
          // Progress is best effort here (training cannot wait for it); a lost lease or a closed queue shows at the next step.
          Promise.resolve(ctx.progress(0.25 + (0.45 * e.epoch) / epochs, `epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(4)}, accuracy ${(e.accuracy * 100).toFixed(1)} %`)).catch(() => undefined);
        },
      }),
    );

    await step(0.72, `judging the candidate (trained on tfjs ${trainingBackend})`);
    const gate = judgeGate(
      {
        parentTest,
        candidateTest: evaluateAccuracy(candidate, data.test.x, data.test.y),
        parentFeedback,
        candidateFeedback: holdout.y.length ? evaluateAccuracy(candidate, holdout.x, holdout.y) : 0,
        feedbackExamples: holdout.y.length,
      },
      rule,
    );
    await ctx.log(`gate: test ${(gate.candidateTest * 100).toFixed(1)} % (parent ${(gate.parentTest * 100).toFixed(1)} %), feedback hold-out ${(gate.candidateFeedback * 100).toFixed(1)} % (parent ${(gate.parentFeedback * 100).toFixed(1)} %)`);
    if (!gate.passed) {
      await step(1, `gate failed, nothing published: ${gate.reasons.join('; ')}`);
      return { outcome: 'gate-failed', parent, gate };
    }

    const version = nextVersion(published);
    await step(0.76, `building ${name}@${version}`);
    const trained = await buildTrainedPackage({
      name,
      version,
      model: candidate,
      labels,
      input: manifest.input,
      train: { x: replay.x },
      test: data.test,
      history,
      config: {
        ...(manifest.lineage?.trainerConfig ?? {}),
        retrainJob: request.jobId,
        mode,
        backend: trainingBackend,
        parent,
        feedbackExamples: split.train.length,
        epochs,
        learningRate,
        augmentFeedback: augment,
        gate: { rule: gate.rule, figures: { parentTest, candidateTest: gate.candidateTest, parentFeedback, candidateFeedback: gate.candidateFeedback } },
      },
      lineage: { parent, ...(manifest.lineage?.datasetSha256 ? { datasetSha256: manifest.lineage.datasetSha256 } : {}) },
      signingKey: settings.signingKey,
      createdAt: new Date(request.createdAt),
    });
    await step(0.8, `building the parent's other artifacts (${manifest.artifacts.filter((a) => a.id !== tfjs.id).map((a) => a.id).join(', ') || 'none'}) and signing`);
    const like = await buildLikeParent({
      parent: manifest,
      built: trained,
      model: candidate,
      test: data.test,
      train: replay,
      runArtifact: settings.runArtifact ?? createArtifactRunner(),
      signingKey: settings.signingKey,
      targets: settings.targets,
      log: (line) => ctx.log(line),
    });
    const built = like.built;
    const artifacts = { rebuilt: like.rebuilt, dropped: like.dropped };
    await step(0.92, `publishing ${name}@${version}`);
    await endpoint.publish(name, version, { manifestBytes: built.manifestBytes, signature: built.signature!, files: built.files });
    const alias = await pointCanary(endpoint, name, aliasName, entry, parent, version, percent);
    if (!alias) {
      // The alias moved during training (a person or a canary decision): the version waits, published, for a person to place it.
      await step(1, `published ${name}@${version}, but ${aliasName} moved while it trained; not put on a canary — move the alias by hand, or retrain`);
      return { outcome: 'published', parent, version, gate, artifacts };
    }
    await step(1, `published ${name}@${version}; ${aliasName} stays on ${alias.version} with ${percent} % of devices on ${version}`);
    return { outcome: 'published', parent, version, gate, alias, artifacts };
  } finally {
    parentModel.dispose();
    candidate.dispose();
  }
}

/**
 * What `mode: 'retrain'` builds and how it trains: the parent's model config (the trainer's
 * `lineage.trainerConfig.model`, or the fixtures' `builder`) and its recorded epochs and
 * learning rate.
 * @throws LoopError `PARENT_UNSUPPORTED` when the lineage does not say.
 */
function architectureOf(manifest: Manifest): { model: ModelConfig; epochs?: number; learningRate?: number } {
  const config = manifest.lineage?.trainerConfig ?? {};
  const training = (config.training ?? {}) as { epochs?: unknown; learningRate?: unknown };
  const epochs = typeof training.epochs === 'number' ? training.epochs : undefined;
  const learningRate = typeof training.learningRate === 'number' ? training.learningRate : undefined;
  const model = config.model as Record<string, unknown> | undefined;
  if (model && typeof model.kind === 'string') return { model: model as unknown as ModelConfig, epochs, learningRate };
  const builder = config.builder as { name?: unknown; options?: Record<string, unknown> } | undefined;
  const kinds: Record<string, string> = { buildMlp: 'mlp', buildCnn: 'cnn', buildMobileNetV2: 'mobilenet' };
  const kind = typeof builder?.name === 'string' ? kinds[builder.name] : undefined;
  if (kind) return { model: { kind, ...(builder!.options ?? {}) } as unknown as ModelConfig, epochs, learningRate };
  throw new LoopError('PARENT_UNSUPPORTED', `${manifest.name}@${manifest.version} does not record its model's architecture (lineage.trainerConfig.model or .builder), so it cannot be retrained from scratch; fine-tune it instead (mode "fine-tune")`, {
    details: { name: manifest.name, version: manifest.version },
  });
}

/**
 * Puts `canary` on a split of `alias` — only while the alias is as the job read it
 * (`entry`; unset: the parent), so a move made meanwhile is never overwritten.
 * Undefined when it had moved.
 */
async function pointCanary(
  endpoint: EndpointClient,
  name: string,
  alias: string,
  entry: { version: string; canary?: { version: string; percent: number } | null } | undefined,
  parent: string,
  canary: string,
  percent: number,
): Promise<NonNullable<RetrainResult['alias']> | undefined> {
  const body = { version: entry?.version ?? parent, canary: { version: canary, percent } };
  const placed = await endpoint.setAlias(name, alias, entry ? { ...body, expect: { version: entry.version, canary: entry.canary ?? null } } : body);
  return placed ? { alias, ...body } : undefined;
}
