/**
 * The drift baseline of each published version, read from its stored `manifest.json`
 * and remembered: a published version is immutable, so one read per version and
 * server suffices. `undefined` means "not published".
 */
import { readFile } from 'node:fs/promises';
import type { BaselineSignal, Manifest } from '../../format/index.ts';
import type { BlobStore } from '../blob-store.ts';
import type { Store } from '../store/store.ts';

/** What drift needs to know of one version. */
export interface VersionDriftInfo {
  /** The manifest's baseline signals, by name (empty when the version has none). */
  readonly signals: ReadonlyMap<string, BaselineSignal>;
}

/** How many versions a server remembers; past it, the memory starts over. */
const CACHE_SIZE = 10_000;

export class VersionBaselines {
  readonly #known = new Map<string, VersionDriftInfo>();

  constructor(
    readonly store: Store,
    readonly blobs: BlobStore,
  ) {}

  /** The version's drift info, or `undefined` when `model@version` is not published. */
  async get(model: string, version: string): Promise<VersionDriftInfo | undefined> {
    const id = `${model}@${version}`;
    const known = this.#known.get(id);
    if (known) return known;
    const file = await this.store.getFile(model, version, 'manifest.json');
    if (file === undefined) return undefined;
    const manifest = JSON.parse(await readFile(this.blobs.pathOf(file.sha256), 'utf8')) as Manifest;
    const info: VersionDriftInfo = { signals: new Map((manifest.baseline?.signals ?? []).map((s) => [s.name, s])) };
    if (this.#known.size >= CACHE_SIZE) this.#known.clear();
    this.#known.set(id, info);
    return info;
  }
}
