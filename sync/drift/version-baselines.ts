/**
 * The drift baseline of each published version, read from its stored `manifest.json`
 * and remembered: a published version is immutable, so one read per version and
 * server suffices. `undefined` means "not published".
 */
import type { BaselineSignal } from '../../format/index.ts';
import type { BlobStore } from '../blob-store.ts';
import type { Store } from '../store/store.ts';
import { VersionFacts } from '../version-facts.ts';

/** What drift needs to know of one version. */
export interface VersionDriftInfo {
  /** The manifest's baseline signals, by name (empty when the version has none). */
  readonly signals: ReadonlyMap<string, BaselineSignal>;
}

export class VersionBaselines extends VersionFacts<VersionDriftInfo> {
  constructor(store: Store, blobs: BlobStore) {
    super(store, blobs, (manifest) => ({ signals: new Map((manifest.baseline?.signals ?? []).map((s) => [s.name, s])) }));
  }
}
