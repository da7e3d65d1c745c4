/**
 * The in-page half of the device lab's measurements, as JavaScript source: it is
 * evaluated in a page that puts the runtime's public API on `window.edgeloop` (the
 * app's lab page, or a user's own page). Source text rather than a function, because
 * tsx/esbuild would compile a function with helpers (`__name`) the page lacks.
 *
 * It keeps one runtime and one current model on `window.__edgeLab`; every call answers
 * plain JSON. Times are `performance.now()` differences taken in the page.
 */
export const PAGE_PROBE_SOURCE = String.raw`(() => {
  if (window.__edgeLab) return true;
  const api = () => {
    if (!window.edgeloop || typeof window.edgeloop.createRuntime !== 'function') throw new TypeError('this page does not expose the edgeloop runtime on window.edgeloop (see docs/DEVICE-LAB.md)');
    return window.edgeloop;
  };
  const state = { runtime: null, model: null, options: {} };
  const typed = (input) => (input && Array.isArray(input.data) ? { ...input, data: Float32Array.from(input.data) } : input);
  const plain = (p) => ({ topK: p.topK, output: Array.from(p.output), backend: p.backend, latencyMs: p.latencyMs });
  const coded = (error) => ({ code: (error && error.code) || (error && error.name) || 'ERROR', message: String((error && error.message) || error) });
  const report = (m) => JSON.parse(JSON.stringify(m.backend));
  const timed = async (fn) => { const t = performance.now(); const value = await fn(); return { ms: performance.now() - t, value }; };
  const swap = async (model) => { if (state.model) await state.model.dispose(); state.model = model; };
  window.__edgeLab = {
    async open(options) {
      if (state.runtime) await state.runtime.dispose();
      state.model = null;
      const edgeloop = api();
      state.options = { trustedKeys: edgeloop.trustedKeys, ...options };
      state.runtime = await edgeloop.createRuntime(state.options);
      return JSON.parse(JSON.stringify(await state.runtime.capabilities()));
    },
    async load(source, options) {
      const { ms, value } = await timed(() => state.runtime.load(source, options || {}));
      await swap(value);
      return { ms, report: report(value), name: value.manifest.name, version: value.manifest.version };
    },
    async install(name, from, version) {
      const { ms } = await timed(() => state.runtime.store.install(name, { from, version }));
      return { ms };
    },
    async predict(input) {
      return plain(await state.model.predict(typed(input)));
    },
    async digits(count) {
      const edgeloop = api();
      if (typeof edgeloop.loadTestDigits !== 'function') throw new TypeError('this page has no window.edgeloop.loadTestDigits: pass inputs to measure()');
      const { images, labels } = await edgeloop.loadTestDigits(count);
      return { inputs: images.map((image) => ({ data: Array.from(image, (v) => v * 255), shape: [28, 28, 1] })), labels };
    },
    async timePredictions(raw, runs) {
      const model = state.model;
      const inputs = raw.map(typed);
      const first = await timed(() => model.predict(inputs[0]));
      const wall = [];
      const worker = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const p = await model.predict(inputs[i % inputs.length]);
        wall.push(performance.now() - t);
        worker.push(p.latencyMs);
      }
      const memory = performance.memory ? performance.memory.usedJSHeapSize : null;
      return { firstMs: first.ms, wall, worker, backend: model.backend.backend, memory };
    },
    async parity(source, raw, options) {
      const inputs = raw.map(typed);
      const outputs = [];
      for (const input of inputs) outputs.push(Array.from((await state.model.predict(input)).output));
      const reference = await state.runtime.load(source, { ...(options || {}), backend: 'tfjs-cpu' });
      try {
        let agree = 0;
        let maxDelta = 0;
        for (let i = 0; i < inputs.length; i++) {
          const r = Array.from((await reference.predict(inputs[i])).output);
          const o = outputs[i];
          const top = (a) => a.indexOf(Math.max(...a));
          if (top(r) === top(o)) agree++;
          for (let j = 0; j < r.length; j++) maxDelta = Math.max(maxDelta, Math.abs(r[j] - o[j]));
        }
        return { top1Agreement: agree / inputs.length, maxAbsDeltaP: maxDelta, digits: inputs.length };
      } finally {
        await reference.dispose();
      }
    },
    longTasks(since) {
      const tasks = (window.edgeloop && window.edgeloop.longTasks) || null;
      if (!tasks) return null;
      const seen = tasks.filter((t) => t.startTime >= since && t.duration > 50);
      return { count: seen.length, totalMs: seen.reduce((s, t) => s + t.duration, 0), maxMs: seen.reduce((m, t) => Math.max(m, t.duration), 0) };
    },
    now() { return performance.now(); },
    async close() {
      if (state.runtime) await state.runtime.dispose();
      state.runtime = null;
      state.model = null;
    },
  };
  window.__edgeLabCall = async (method, args) => {
    try {
      return { ok: true, value: await window.__edgeLab[method](...args) };
    } catch (error) {
      return { ok: false, error: coded(error) };
    }
  };
  return true;
})()`;
