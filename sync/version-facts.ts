/**
 * Facts of each published version that a route needs from its stored `manifest.json`
 * (the drift baseline, what feedback is checked against), read once and remembered:
 * a published version is immutable, so one read per version and server suffices.
 * `undefined` means "not published".
 */
import type { Manifest } from '../format/index.ts';
import type { BlobStore } from './blob-store.ts';
import type { Store } from './store/store.ts';

/** How many versions a server remembers; past it, the memory starts over. */
const CACHE_SIZE = 10_000;

export class VersionFacts<T> {
  readonly #known = new Map<string, T>();

  constructor(
    readonly store: Store,
    readonly blobs: BlobStore,
    private readonly facts: (manifest: Manifest) => T,
  ) {}

  /** The version's facts, or `undefined` when `model@version` is not published. */
  async get(model: string, version: string): Promise<T | undefined> {
    const id = `${model}@${version}`;
    const known = this.#known.get(id);
    if (known !== undefined) return known;
    const file = await this.store.getFile(model, version, 'manifest.json');
    if (file === undefined) return undefined;
    const facts = this.facts(JSON.parse((await this.blobs.read(file.sha256)).toString('utf8')) as Manifest);
    if (this.#known.size >= CACHE_SIZE) this.#known.clear();
    this.#known.set(id, facts);
    return facts;
  }
}
