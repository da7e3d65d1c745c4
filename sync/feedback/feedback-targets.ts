/**
 * What feedback needs of each published version, read from its stored `manifest.json`
 * and remembered: the input shape and dtype an example must have and the labels it may
 * carry. A published version is immutable, so one read per version and server
 * suffices. `undefined` means "not published".
 */
import { readFile } from 'node:fs/promises';
import type { InputDtype, Manifest } from '../../format/index.ts';
import type { BlobStore } from '../blob-store.ts';
import type { Store } from '../store/store.ts';

/** The manifest facts one version's feedback is checked against. */
export interface FeedbackTarget {
  readonly model: string;
  readonly version: string;
  /** `input.shape`: batch dimension first, `-1` for "any". */
  readonly shape: readonly number[];
  readonly dtype: InputDtype;
  /** `output.labels`; `undefined` when the model has none (a regression model takes no labels). */
  readonly labels: ReadonlySet<string> | undefined;
}

/** How many versions a server remembers; past it, the memory starts over. */
const CACHE_SIZE = 10_000;

export class FeedbackTargets {
  readonly #known = new Map<string, FeedbackTarget>();

  constructor(
    readonly store: Store,
    readonly blobs: BlobStore,
  ) {}

  /** The version's target, or `undefined` when `model@version` is not published. */
  async get(model: string, version: string): Promise<FeedbackTarget | undefined> {
    const id = `${model}@${version}`;
    const known = this.#known.get(id);
    if (known) return known;
    const file = await this.store.getFile(model, version, 'manifest.json');
    if (file === undefined) return undefined;
    const manifest = JSON.parse(await readFile(this.blobs.pathOf(file.sha256), 'utf8')) as Manifest;
    const target: FeedbackTarget = {
      model,
      version,
      shape: Object.freeze([...manifest.input.shape]),
      dtype: manifest.input.dtype,
      labels: manifest.output.labels === undefined ? undefined : new Set(manifest.output.labels),
    };
    if (this.#known.size >= CACHE_SIZE) this.#known.clear();
    this.#known.set(id, target);
    return target;
  }
}
