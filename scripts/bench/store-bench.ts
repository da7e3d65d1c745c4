/**
 * `npm run bench -- store`: what the model store saves, and what it still costs. For the
 * MNIST CNN and the MobileNetV2-shaped package, in one Chromium session, each load to
 * its first prediction in a fresh worker and split into bytes, engine set-up, first run
 * and the rest (pwa/bench-store.ts):
 *
 * - cold: `runtime.load(manifestUrl)` from the local server (the registry served with
 *   `no-store`, so the bytes really travel), over loopback and over an emulated Fast 4G
 *   link (loopback moves 14 MB in ~30 ms, which no phone does);
 * - warm: `runtime.load(name)` from the model store after `runtime.store.install`, online
 *   and with the browser offline (the JSON's `filesLayer` counts the files the store keeps
 *   in OPFS and in IndexedDB: small files, and all where the browser has no OPFS);
 * - floor: the same artifact's bytes already in memory, built by edgeloop's engine code
 *   alone in a fresh worker with the same settings, and run once — what any load of
 *   these bytes on this backend pays.
 *
 * Cold, warm and floor loads alternate (each goes first in turn). Same backend on every
 * side; the engine's code is in the HTTP cache for all (one untimed load of each side first).
 *
 * Options: `--model <id,…>`, `--repeats <n>`, `--skip-prepare`, `--dist <dir>` (build into and
 * serve another folder than `dist/`, e.g. while something else rebuilds `dist/`), `--profile
 * disk|memory` (default `disk`: a profile on disk, as a user has; `memory`: Playwright's usual
 * off-the-record context, whose IndexedDB and OPFS Chromium keeps in memory — the store's
 * reads differ a lot), `--store-integrity checksum|sha256` (how the store checks its files at
 * every warm load: `createRuntime({ storeIntegrity })`, default `checksum`), `--compare-integrity`
 * (a fourth side in the rotation: the warm load with the other check; each entry then carries
 * `integrity`: both warm medians and their paired ratio).
 */
import { parseArgs } from 'node:util';
import type { FilesLayer, StoreConfig, StoreTiming } from '../../pwa/bench-store.ts';
import type { BackendId } from '../../runtime/index.ts';
import { openBenchBrowser } from './bench-browser.ts';
import type { Benchmark } from './benchmark.ts';
import { percentile, round } from './stats.ts';
import { TARGETS, storeEntry, storeTables, type StoreEntry } from './store-split.ts';

const MODELS: Array<{ id: string; fixtureArgs?: string[] }> = [{ id: 'mnist-cnn' }, { id: 'mobilenetv2', fixtureArgs: ['--mobilenet'] }];
// tfjs-wasm: its 0.4 MB wasm stays in the HTTP cache for the offline step; onnxruntime's 27 MB one
// does not (offline ORT needs the service worker's precache).
const BACKEND: BackendId = 'tfjs-wasm';

/**
 * A phone on a good mobile network (Chrome DevTools' "Fast 4G" preset: 9 Mbit/s down,
 * 1.5 up, 60 ms latency) for the second network measurement; loopback is the first.
 */
const FAST_4G = { offline: false, latency: 60, downloadThroughput: (9 * 1024 * 1024) / 8, uploadThroughput: (1.5 * 1024 * 1024) / 8 };

type Side = 'network' | 'cache' | 'floor' | 'other-integrity';

export const storeBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        repeats: { type: 'string', default: '5' },
        'skip-prepare': { type: 'boolean', default: false },
        dist: { type: 'string', default: 'dist' },
        profile: { type: 'string', default: 'disk' },
        'store-integrity': { type: 'string', default: 'checksum' },
        'compare-integrity': { type: 'boolean', default: false },
      },
    });
    const profile = values.profile;
    if (profile !== 'memory' && profile !== 'disk') throw new RangeError(`--profile must be memory or disk (got ${profile})`);
    const storeIntegrity = values['store-integrity'];
    if (storeIntegrity !== 'checksum' && storeIntegrity !== 'sha256') throw new RangeError(`--store-integrity must be checksum or sha256 (got ${storeIntegrity})`);
    const repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be a positive integer (got ${values.repeats})`);
    const wanted = values.model?.split(',').map((m) => m.trim());
    for (const id of wanted ?? []) if (!MODELS.some((m) => m.id === id)) throw new RangeError(`unknown model "${id}"; known: ${MODELS.map((m) => m.id).join(', ')}`);
    const models = MODELS.filter((m) => !wanted || wanted.includes(m.id));

    const bench = await openBenchBrowser(progress, {
      makeFixtures: !values['skip-prepare'],
      fixtureArgs: [...new Set(models.flatMap((m) => m.fixtureArgs ?? []))],
      build: !values['skip-prepare'],
      distDir: values.dist,
      registryNoStore: true,
      profile,
    });
    const entries: StoreEntry[] = [];
    const filesLayer: Record<string, FilesLayer> = {};
    const samples: Record<string, Record<Side | 'fast4g' | 'offline', StoreTiming[]>> = {};
    try {
      for (const model of models) {
        const config: StoreConfig = { model: model.id, name: model.id, registry: '/fixtures/registry/', backend: BACKEND, storeIntegrity };
        const call = <T>(fn: string, ...more: unknown[]) =>
          bench.page().evaluate(`window.benchStore.${fn}(${[config, ...more].map((a) => JSON.stringify(a)).join(', ')})`) as Promise<T>;
        progress.note(`── ${model.id} (${BACKEND}): warm-up, install`);
        const { artifact } = await call<StoreTiming>('networkLoad'); // engine code into the HTTP cache
        filesLayer[model.id] = (await call<{ filesLayer: FilesLayer }>('install')).filesLayer;
        const s: Record<Side | 'fast4g' | 'offline', StoreTiming[]> = (samples[model.id] = { network: [], cache: [], floor: [], 'other-integrity': [], fast4g: [], offline: [] });
        const otherIntegrity = storeIntegrity === 'checksum' ? 'sha256' : 'checksum';
        const load = async (side: Side) => {
          const t =
            side === 'floor'
              ? await call<StoreTiming>('floorLoad', artifact)
              : side === 'other-integrity'
                ? ((await bench.page().evaluate(`window.benchStore.cacheLoad(${JSON.stringify({ ...config, storeIntegrity: otherIntegrity })})`)) as StoreTiming)
                : await call<StoreTiming>(side === 'network' ? 'networkLoad' : 'cacheLoad');
          if (t.artifact !== artifact) throw new Error(`${model.id}: the ${side} load ran ${t.artifact}, the others ${artifact}`);
          return t;
        };
        const sides: Side[] = values['compare-integrity'] ? ['network', 'cache', 'floor', 'other-integrity'] : ['network', 'cache', 'floor'];
        // Untimed: each side's code once through V8 (its code cache), as the network side's warm-up above.
        for (const side of sides.slice(1)) await load(side);
        for (let i = 0; i < repeats; i++) {
          // Each side goes first in turn.
          for (let k = 0; k < sides.length; k++) {
            const side = sides[(i + k) % sides.length]!;
            s[side].push(await load(side));
          }
        }
        await bench.context.setOffline(true);
        try {
          for (let i = 0; i < repeats; i++) s.offline.push(await load('cache'));
        } finally {
          await bench.context.setOffline(false);
        }
        const cdp = await bench.context.newCDPSession(bench.page());
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', FAST_4G);
        try {
          for (let i = 0; i < Math.min(repeats, 3); i++) s.fast4g.push(await load('network'));
        } finally {
          await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
          await cdp.detach();
        }
        const entry = storeEntry(model.id, artifact, s.cache[0]!.bytes, s);
        if (values['compare-integrity']) {
          const warm = (xs: StoreTiming[]) => round(percentile(xs.map((t) => t.ms), 50), 1);
          const [checksum, sha256] = storeIntegrity === 'checksum' ? [s.cache, s['other-integrity']] : [s['other-integrity'], s.cache];
          entry.integrity = { checksum_warm_ms: warm(checksum), sha256_warm_ms: warm(sha256), checksum_vs_sha256_paired: round(percentile(checksum.map((t, i) => t.ms / sha256[i]!.ms), 50)) };
          progress.note(`${model.id}: warm with checksum ${entry.integrity.checksum_warm_ms} ms vs with SHA-256 ${entry.integrity.sha256_warm_ms} ms (paired ratio ${entry.integrity.checksum_vs_sha256_paired})`);
        }
        entries.push(entry);
      }
    } finally {
      await bench.close();
    }
    return {
      json: { date: new Date().toISOString(), chromium: bench.chromiumVersion, profile, storeIntegrity, backend: BACKEND, repeats, target: TARGETS, filesLayer, entries, samples },
      table: storeTables(entries),
    };
  },
};
