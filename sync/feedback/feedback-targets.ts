/**
 * What feedback needs of each published version, read from its stored `manifest.json`
 * and remembered: the input shape and dtype an example must have and the labels it may
 * carry. A published version is immutable, so one read per version and server
 * suffices. `undefined` means "not published".
 */
import type { InputDtype } from '../../format/index.ts';
import type { BlobStore } from '../blob-store.ts';
import type { Store } from '../store/store.ts';
import { VersionFacts } from '../version-facts.ts';

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

export class FeedbackTargets extends VersionFacts<FeedbackTarget> {
  constructor(store: Store, blobs: BlobStore) {
    super(store, blobs, (manifest) => ({
      model: manifest.name,
      version: manifest.version,
      shape: Object.freeze([...manifest.input.shape]),
      dtype: manifest.input.dtype,
      labels: manifest.output.labels === undefined ? undefined : new Set(manifest.output.labels),
    }));
  }
}
