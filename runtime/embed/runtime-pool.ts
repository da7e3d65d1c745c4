/**
 * The runtimes the `<edge-model>` elements of one page share: one per distinct set of
 * trusted keys and telemetry endpoint (the settings a runtime is created with that elements set), so two
 * elements with the same settings share one worker. Counted: the last element to let
 * go of a runtime disposes it (and its worker).
 */
import { createRuntime, type Runtime, type RuntimeOptions } from '../client.ts';

/** What the pool needs to start a runtime. */
export interface RuntimePoolOptions {
  /** The built worker module's URL (see `RuntimeOptions.workerUrl`). */
  workerUrl?: string | URL;
}

/** The settings that make two elements need different runtimes. */
export interface RuntimeKey {
  trustedKeys: readonly string[];
  /** Drift telemetry of the runtime's models, or none. */
  telemetry?: { endpoint: string; token: string } | null;
}

interface Entry {
  runtime: Promise<Runtime>;
  users: number;
}

/** Hands out shared runtimes; one pool per `defineEdgeModel` call. */
export class RuntimePool {
  readonly #entries = new Map<string, Entry>();
  /** Runtimes started so far (the embed spec checks two elements start one). */
  started = 0;

  constructor(private readonly options: RuntimePoolOptions = {}) {}

  /** A runtime for `key`; pair every call with {@link RuntimePool.release}. */
  acquire(key: RuntimeKey): Promise<Runtime> {
    const id = keyId(key);
    let entry = this.#entries.get(id);
    if (!entry) {
      const options: RuntimeOptions = {
        trustedKeys: key.trustedKeys,
        workerUrl: this.options.workerUrl,
        ...(key.telemetry ? { telemetry: { endpoint: key.telemetry.endpoint, token: key.telemetry.token } } : {}),
      };
      this.started += 1;
      entry = { runtime: createRuntime(options), users: 0 };
      this.#entries.set(id, entry);
      const failed = entry;
      entry.runtime.catch(() => {
        // A runtime that could not start is not kept: the next element tries again.
        if (this.#entries.get(id) === failed) this.#entries.delete(id);
      });
    }
    entry.users += 1;
    return entry.runtime;
  }

  /** Gives back a runtime from {@link RuntimePool.acquire}; the last user disposes it. */
  async release(key: RuntimeKey): Promise<void> {
    const id = keyId(key);
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.users -= 1;
    if (entry.users > 0) return;
    this.#entries.delete(id);
    await (await entry.runtime).dispose();
  }
}

function keyId(key: RuntimeKey): string {
  return JSON.stringify([[...key.trustedKeys].sort(), key.telemetry?.endpoint ?? null, key.telemetry?.token ?? null]);
}
