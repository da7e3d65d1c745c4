/**
 * What drift telemetry costs a prediction, in Chromium: one lab page (pwa/lab.html), two
 * runtimes — one with telemetry on (sent to a loopback sink that answers as the endpoint
 * does), and two without (the second an A/A control: what two workers differ by anyway) —
 * each loading the bench's package (with its 54-signal baseline) on tfjs-wasm, timed in
 * blocks of `model.predict` round trips on the same digits, the order rotating through
 * all six permutations. The ratio of the medians is the overhead.
 */
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltPackage, DriftEvent } from '../../../format/index.ts';
import { writePackageDir } from '../../../trainer/node.ts';
import { openBenchBrowser } from '../bench-browser.ts';
import type { ProgressLog } from '../progress-log.ts';
import { percentile, round } from '../stats.ts';

/** Where the bench's package is written and served from (as `/fixtures/registry`). */
export const DRIFT_REGISTRY_DIR = 'bench-results/drift-registry';

export interface OverheadSettings {
  backend: 'tfjs-wasm' | 'tfjs-cpu';
  warmupRuns: number;
  blocks: number;
  runsPerBlock: number;
  digits: number;
}

export interface TelemetryOverhead {
  backend: string;
  runs_on: number;
  runs_off: number;
  p50_on_ms: number;
  p50_off_ms: number;
  p95_on_ms: number;
  p95_off_ms: number;
  /** p50 with telemetry ÷ p50 without. */
  ratio: number;
  /** p50 of a second runtime without telemetry ÷ p50 of the first: the noise floor of `ratio`. */
  control_ratio: number;
  /** What the sink received (proof the telemetry runtime counted and sent windows). */
  sink: { posts: number; events: number; signalsPerEvent: number; predictionsCounted: number };
  chromium: string;
  crossOriginIsolated: boolean;
}

interface Sink {
  url: string;
  /** POSTs answered. */
  posts: number;
  /** Per event received: its signal count and the predictions its latency histogram counts. */
  received: { signals: number; predictions: number }[];
  server: Server;
}

/** A loopback stand-in for the endpoint's `POST /v1/telemetry`: answers `{ accepted }`, CORS for one origin. */
async function startSink(): Promise<Sink> {
  const sink: Omit<Sink, 'url' | 'server'> = { posts: 0, received: [] };
  let allowedOrigin = '';
  const server = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin !== undefined && (allowedOrigin === '' || origin === allowedOrigin)) {
      allowedOrigin = origin;
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'authorization, content-type, idempotency-key');
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let events: DriftEvent[] = [];
      try {
        events = (JSON.parse(Buffer.concat(chunks).toString()) as { events?: typeof events }).events ?? [];
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'BAD_JSON', message: String(error) } }));
        return;
      }
      sink.posts++;
      for (const e of events) sink.received.push({ signals: Object.keys(e.signals ?? {}).length, predictions: (e.latencyMs?.counts ?? []).reduce((a, b) => a + b, 0) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: events.length, duplicate: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(sink, { url, server });
}

/** The page side, as a string: tsx would compile a function with esbuild's `__name` helper, which the page lacks. */
function pageScript(manifestUrl: string, sinkUrl: string, s: OverheadSettings): string {
  return `(async () => {
    const { createRuntime, trustedKeys } = window.edgeloop;
    const digits = window.__driftDigits;
    const on = await createRuntime({ trustedKeys, telemetry: { endpoint: ${JSON.stringify(sinkUrl)}, token: 'bench-token', deviceClass: 'bench-chromium', databaseName: 'edgeloop-drift-bench' } });
    const off = await createRuntime({ trustedKeys });
    // A second runtime without telemetry: the A/A control (what two workers differ by anyway).
    const control = await createRuntime({ trustedKeys });
    const load = (rt) => rt.load(${JSON.stringify(manifestUrl)}, { backend: ${JSON.stringify(s.backend)} });
    const models = { on: await load(on), off: await load(off), control: await load(control) };
    // predict() transfers its input, so every call gets a fresh copy, made before the clock starts.
    const input = (k) => ({ data: Float32Array.from(digits[k % digits.length]), shape: [28, 28, 1] });
    for (let i = 0; i < ${s.warmupRuns}; i++) for (const m of Object.values(models)) await m.predict(input(i));
    const times = { on: [], off: [], control: [] };
    const orders = [['off', 'on', 'control'], ['control', 'on', 'off'], ['on', 'control', 'off'], ['off', 'control', 'on'], ['control', 'off', 'on'], ['on', 'off', 'control']];
    let k = 0;
    for (let b = 0; b < ${s.blocks}; b++) {
      const order = orders[b % orders.length];
      const start = k;
      for (const which of order) {
        k = start;
        for (let i = 0; i < ${s.runsPerBlock}; i++) {
          const x = input(k++);
          const t0 = performance.now();
          await models[which].predict(x);
          times[which].push(performance.now() - t0);
        }
      }
    }
    const status = await on.telemetry.status();
    const flushed = await on.telemetry.flush();
    await Promise.all([on.dispose(), off.dispose(), control.dispose()]);
    return { times, status, flushed, crossOriginIsolated: self.crossOriginIsolated };
  })()`;
}

/** Writes the package under {@link DRIFT_REGISTRY_DIR}, serves it, and measures in one Chromium session. */
export async function measureTelemetryOverhead(pkg: BuiltPackage, digits: readonly Float32Array[], settings: OverheadSettings, progress: ProgressLog, options: { build: boolean }): Promise<TelemetryOverhead> {
  if (!pkg.signature) throw new Error('the drift package is unsigned (no fixtures/keys/publisher.json): run `npm run fixtures` once, then build the app, so the lab page trusts its key');
  await rm(DRIFT_REGISTRY_DIR, { recursive: true, force: true });
  await mkdir(DRIFT_REGISTRY_DIR, { recursive: true });
  await writePackageDir(DRIFT_REGISTRY_DIR, pkg, { overwrite: true });
  const manifestUrl = `/fixtures/registry/${pkg.manifest.name}/${pkg.manifest.version}/manifest.json`;
  const sink = await startSink();
  const bench = await openBenchBrowser(progress, { makeFixtures: false, build: options.build, registryDir: DRIFT_REGISTRY_DIR });
  try {
    const page = await bench.context.newPage();
    page.on('pageerror', (error) => progress.note(`lab page exception: ${error.message}`));
    await page.goto('/lab.html');
    await page.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 30_000 });
    // As 0–255 pixel values, what an app hands predict() before the manifest's scale 1/255.
    await page.evaluate(`window.__driftDigits = ${JSON.stringify(digits.map((d) => Array.from(d, (v) => Math.round(v * 255))))}`);
    const runs = settings.blocks * settings.runsPerBlock;
    progress.note(`Chromium ${bench.chromiumVersion}: ${runs} predictions each with telemetry on and off (${settings.backend}, ${settings.blocks} alternating blocks of ${settings.runsPerBlock})`);
    const result = (await page.evaluate(pageScript(manifestUrl, sink.url, settings))) as {
      times: { on: number[]; off: number[]; control: number[] };
      status: { enabled: boolean; queuedEvents: number };
      flushed: { ok: boolean; error?: string };
      crossOriginIsolated: boolean;
    };
    if (!result.flushed.ok) progress.note(`telemetry flush failed: ${result.flushed.error ?? 'unknown'}`);
    const p50On = percentile(result.times.on, 50);
    const p50Off = percentile(result.times.off, 50);
    const events = sink.received.length;
    return {
      backend: settings.backend,
      runs_on: result.times.on.length,
      runs_off: result.times.off.length,
      p50_on_ms: round(p50On),
      p50_off_ms: round(p50Off),
      p95_on_ms: round(percentile(result.times.on, 95)),
      p95_off_ms: round(percentile(result.times.off, 95)),
      ratio: round(p50On / p50Off),
      control_ratio: round(percentile(result.times.control, 50) / p50Off),
      sink: {
        posts: sink.posts,
        events,
        signalsPerEvent: events === 0 ? 0 : Math.max(...sink.received.map((r) => r.signals)),
        predictionsCounted: sink.received.reduce((a, r) => a + r.predictions, 0),
      },
      chromium: bench.chromiumVersion,
      crossOriginIsolated: result.crossOriginIsolated,
    };
  } finally {
    await bench.close();
    sink.server.closeAllConnections();
    await new Promise((resolve) => sink.server.close(resolve));
  }
}
