/**
 * `npm run bench -- store`: what the model store saves. For the MNIST CNN and the
 * MobileNetV2-shaped package, in one Chromium session: a cold load from the local
 * server (`runtime.load(manifestUrl)`, the registry served with `no-store` so the bytes
 * really travel) against a warm load from IndexedDB (`runtime.load(name)` after
 * `runtime.store.install`), both timed to the first prediction, alternating; then the store
 * load with the browser offline, and the network load again over an emulated Fast 4G
 * link (loopback moves 14 MB in ~30 ms, which no phone does). Same backend on both sides; every load in a fresh
 * runtime worker; the engine's code is in the HTTP cache for both (one untimed warm-up).
 *
 * Options: `--model <id,…>`, `--repeats <n>`, `--skip-prepare`.
 */
import { parseArgs } from 'node:util';
import type { StoreConfig, StoreTiming } from '../../pwa/bench-page.ts';
import type { BackendId } from '../../runtime/index.ts';
import { openBenchBrowser } from './bench-browser.ts';
import type { Benchmark } from './benchmark.ts';
import { percentile, round } from './stats.ts';

const MODELS: Array<{ id: string; fixtureArgs?: string[] }> = [{ id: 'mnist-cnn' }, { id: 'mobilenetv2', fixtureArgs: ['--mobilenet'] }];
// tfjs-wasm: its 0.4 MB wasm stays in the HTTP cache for the offline step; onnxruntime's 27 MB one
// does not (offline ORT needs the service worker's precache).
const BACKEND: BackendId = 'tfjs-wasm';
const TARGET = 0.5;

/**
 * A phone on a good mobile network (Chrome DevTools' "Fast 4G" preset: 9 Mbit/s down,
 * 1.5 up, 60 ms latency) for the second network measurement; loopback is the first.
 */
const FAST_4G = { offline: false, latency: 60, downloadThroughput: (9 * 1024 * 1024) / 8, uploadThroughput: (1.5 * 1024 * 1024) / 8 };

/** One row of the result: the shape, plus the same network load over Fast 4G. */
export interface StoreEntry {
  model: string;
  bytes: number;
  network_load_ms: number;
  cache_load_ms: number;
  offline_first_prediction_ms: number;
  cache_vs_network: number;
  fast4g_network_load_ms: number;
  cache_vs_fast4g: number;
}

export const storeBenchmark: Benchmark = {
  async run(args, progress) {
    const { values } = parseArgs({
      args: [...args],
      options: { model: { type: 'string' }, repeats: { type: 'string', default: '5' }, 'skip-prepare': { type: 'boolean', default: false } },
    });
    const repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be a positive integer (got ${values.repeats})`);
    const wanted = values.model?.split(',').map((m) => m.trim());
    for (const id of wanted ?? []) if (!MODELS.some((m) => m.id === id)) throw new RangeError(`unknown model "${id}"; known: ${MODELS.map((m) => m.id).join(', ')}`);
    const models = MODELS.filter((m) => !wanted || wanted.includes(m.id));

    const bench = await openBenchBrowser(progress, {
      makeFixtures: !values['skip-prepare'],
      fixtureArgs: [...new Set(models.flatMap((m) => m.fixtureArgs ?? []))],
      build: !values['skip-prepare'],
      registryNoStore: true,
    });
    const entries: StoreEntry[] = [];
    const samples: Record<string, { network: number[]; cache: number[]; offline: number[]; fast4g: number[] }> = {};
    try {
      for (const model of models) {
        const config: StoreConfig = { model: model.id, name: model.id, registry: '/fixtures/registry/', backend: BACKEND };
        const call = <T>(fn: string) => bench.page().evaluate(`window.bench.${fn}(${JSON.stringify(config)})`) as Promise<T>;
        progress.note(`── ${model.id} (${BACKEND}): warm-up, install`);
        await call<StoreTiming>('storeNetworkLoad'); // engine code into the HTTP cache
        await call('storeInstall');
        const s = (samples[model.id] = { network: [] as number[], cache: [] as number[], offline: [] as number[], fast4g: [] as number[] });
        let bytes = 0;
        for (let i = 0; i < repeats; i++) {
          // Alternate which side goes first.
          const order = i % 2 === 0 ? ['storeNetworkLoad', 'storeCacheLoad'] : ['storeCacheLoad', 'storeNetworkLoad'];
          for (const fn of order) {
            const t = await call<StoreTiming>(fn);
            (t.from === 'network' ? s.network : s.cache).push(t.ms);
            bytes = t.bytes;
          }
        }
        await bench.context.setOffline(true);
        try {
          for (let i = 0; i < repeats; i++) s.offline.push((await call<StoreTiming>('storeCacheLoad')).ms);
        } finally {
          await bench.context.setOffline(false);
        }
        const cdp = await bench.context.newCDPSession(bench.page());
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', FAST_4G);
        try {
          for (let i = 0; i < Math.min(repeats, 3); i++) s.fast4g.push((await call<StoreTiming>('storeNetworkLoad')).ms);
        } finally {
          await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
          await cdp.detach();
        }
        const network = percentile(s.network, 50);
        const fast4g = percentile(s.fast4g, 50);
        const cache = percentile(s.cache, 50);
        entries.push({
          model: model.id,
          bytes,
          network_load_ms: round(network, 1),
          cache_load_ms: round(cache, 1),
          offline_first_prediction_ms: round(percentile(s.offline, 50), 1),
          cache_vs_network: round(cache / network),
          fast4g_network_load_ms: round(fast4g, 1),
          cache_vs_fast4g: round(cache / fast4g),
        });
      }
    } finally {
      await bench.close();
    }
    const lines = [
      `| model | bytes loaded | loopback load ms | IndexedDB load ms | offline first prediction ms | cache_vs_network | ≤ ${TARGET} | Fast 4G load ms | cache_vs_fast4g |`,
      '|---|--:|--:|--:|--:|--:|:-:|--:|--:|',
      ...entries.map(
        (e) =>
          `| ${e.model} | ${e.bytes} | ${e.network_load_ms} | ${e.cache_load_ms} | ${e.offline_first_prediction_ms} | ${e.cache_vs_network.toFixed(3)} | ${e.cache_vs_network <= TARGET ? 'yes' : '**no**'} | ${e.fast4g_network_load_ms} | ${e.cache_vs_fast4g.toFixed(3)} |`,
      ),
    ];
    return {
      json: { date: new Date().toISOString(), chromium: bench.chromiumVersion, backend: BACKEND, repeats, target: { cache_vs_network_max: TARGET }, entries, samples },
      table: lines.join('\n'),
    };
  },
};
