/**
 * Models that are not edgeloop's own classifiers, in real Chromium. Silero VAD v5 from
 * the npm package `@ricky0123/vad-web`, packaged by the test as a signed `tensor` model,
 * runs frame by frame on a synthesised speech-like sound through `runtime.load` →
 * `predict`, its recurrent state carried by the runtime, and every frame's speech
 * probability is compared with onnxruntime-web called directly in the same page. A tfjs
 * graph model with an int64 input and a float16 output runs on every tfjs backend. And
 * a float32 image model takes 8-bit pixels.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { float16BitsToFloat32 } from '../format/index.ts';
import { SILERO_VAD, sileroVadPackage } from '../test-support/silero-vad-package.ts';
import { speechLikeSignal } from '../test-support/speech-signal.ts';
import { TINY_GRAPH_WEIGHTS, tinyGraphPackage } from '../test-support/tiny-graph-model.ts';
import { writePackageDir } from '../trainer/node.ts';
import { FIXTURES, openLab, publisherKey } from './lab.ts';

test('Silero VAD runs as a tensor model: state carried frame by frame, the same probabilities as onnxruntime-web, low in silence, high in speech', async ({ page }) => {
  const built = await sileroVadPackage('v5', { signingKey: await publisherKey() });
  await writePackageDir(join(FIXTURES, 'e2e', 'tensor'), built, { overwrite: true });
  const folder = `/fixtures/e2e/tensor/${built.manifest.name}/${built.manifest.version}`;
  const frame = SILERO_VAD.v5.frame;
  const signal = speechLikeSignal({ sampleRate: 16000, leadSeconds: 1, speechSeconds: 1.6, tailSeconds: 1.2 });

  await openLab(page);
  const result = await page.evaluate(
    async ({ folder, samples, frame }) => {
      const { createRuntime, trustedKeys, loadRawOrt, isEdgeloopError } = window.edgeloop;
      const codeOf = (work: () => Promise<unknown>) => work().then(() => 'no error', (e: unknown) => (isEdgeloopError(e) ? e.code : `untyped: ${String(e)}`));
      const audio = Float32Array.from(samples);
      const runtime = await createRuntime({ trustedKeys });
      const model = await runtime.load(`${folder}/manifest.json`);
      const ort = await loadRawOrt();
      const raw = await ort.InferenceSession.create(new Uint8Array(await (await fetch(`${folder}/onnx/model.onnx`)).arrayBuffer()), { executionProviders: ['wasm'] });
      const sr = () => BigInt64Array.of(16000n);
      const ours: number[] = [];
      const theirs: number[] = [];
      let first: { names: string[]; dtype: string; shape: number[]; stateShape: number[]; isFloat32: boolean } | undefined;
      let state: InstanceType<typeof ort.Tensor> = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
      for (let at = 0; at + frame <= audio.length; at += frame) {
        const chunk = audio.slice(at, at + frame);
        // The state input is left out: the runtime feeds the previous call's stateN.
        const prediction = await model.predict({ input: chunk, sr: sr() });
        const { output, stateN } = prediction.outputs;
        first ??= { names: Object.keys(prediction.outputs), dtype: output!.dtype, shape: output!.shape, stateShape: stateN!.shape, isFloat32: output!.data instanceof Float32Array };
        ours.push(Number(output!.data[0]));
        const direct = await raw.run({ input: new ort.Tensor('float32', chunk, [1, frame]), state, sr: new ort.Tensor('int64', sr(), []) });
        theirs.push((direct.output!.data as Float32Array)[0]!);
        state = direct.stateN!;
      }
      // After reset the state starts from zeros again: the first frame gives the first answer.
      await model.reset();
      const afterReset = Number((await model.predict({ input: audio.slice(0, frame), sr: sr() })).outputs.output!.data[0]);
      const errors = {
        'sr as Int32Array': await codeOf(() => model.predict({ input: audio.slice(0, frame), sr: Int32Array.of(16000) })),
        'sr missing': await codeOf(() => model.predict({ input: audio.slice(0, frame) })),
        'frame of 256 samples': await codeOf(() => model.predict({ input: audio.slice(0, 256), sr: sr() })),
        'unknown input': await codeOf(() => model.predict({ input: audio.slice(0, frame), sr: sr(), rate: sr() })),
        'one unnamed input': await codeOf(() => model.predict({ data: audio.slice(0, frame), shape: [1, frame] })),
        predictBatch: await codeOf(() => model.predictBatch([{ data: audio.slice(0, frame), shape: [1, frame] }])),
      };
      // The first frames on onnxruntime-web's WebGPU EP, where the browser has an adapter,
      // against the same EP called directly (its numbers differ from wasm's: see below).
      let webgpu: { ours: number[]; theirs: number[] } | string = 'no WebGPU adapter';
      if ((await runtime.capabilities()).webgpu.adapter) {
        const onGpu = await runtime.load(`${folder}/manifest.json`, { backend: 'ort-webgpu' });
        const rawGpu = await ort.InferenceSession.create(new Uint8Array(await (await fetch(`${folder}/onnx/model.onnx`)).arrayBuffer()), { executionProviders: ['webgpu'] });
        let gpuState: InstanceType<typeof ort.Tensor> = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
        webgpu = { ours: [], theirs: [] };
        for (let at = 0; at + frame <= audio.length && webgpu.ours.length < 12; at += frame) {
          const chunk = audio.slice(at, at + frame);
          webgpu.ours.push(Number((await onGpu.predict({ input: chunk, sr: sr() })).outputs.output!.data[0]));
          const direct = await rawGpu.run({ input: new ort.Tensor('float32', chunk, [1, frame]), state: gpuState, sr: new ort.Tensor('int64', sr(), []) });
          webgpu.theirs.push((direct.output!.data as Float32Array)[0]!);
          gpuState = direct.stateN!;
        }
        await onGpu.dispose();
        await rawGpu.release();
      }
      const backend = model.backend;
      await model.dispose();
      await runtime.dispose();
      await raw.release();
      return { ours, theirs, afterReset, first: first!, errors, backend, webgpu };
    },
    { folder, samples: Array.from(signal.samples), frame },
  );

  console.log(`silero-vad: ${result.backend.backend} (${result.backend.reason}); candidates ${JSON.stringify(result.backend.candidates)}`);
  expect(result.first).toEqual({ names: ['output', 'stateN'], dtype: 'float32', shape: [1, 1], stateShape: [2, 1, 128], isFloat32: true });
  expect(result.ours).toHaveLength(Math.floor(signal.samples.length / frame));
  const worst = Math.max(...result.ours.map((p, i) => Math.abs(p - result.theirs[i]!)));
  console.log(`silero-vad: ${result.ours.length} frames, max |Δ| vs onnxruntime-web ${worst.toExponential(2)}`);
  expect(worst).toBeLessThanOrEqual(1e-4);
  expect(result.afterReset).toBeCloseTo(result.ours[0]!, 6);
  if (typeof result.webgpu === 'string') {
    console.log(`silero-vad: ort-webgpu not checked (${result.webgpu})`);
  } else {
    const { ours, theirs } = result.webgpu;
    const gpuWorst = Math.max(...ours.map((p, i) => Math.abs(p - theirs[i]!)));
    const epGap = Math.max(...theirs.map((p, i) => Math.abs(p - result.theirs[i]!)));
    console.log(`silero-vad: ort-webgpu, first ${ours.length} frames, max |Δ| vs its EP called directly ${gpuWorst.toExponential(2)}; the WebGPU EP itself vs wasm ${epGap.toExponential(2)}`);
    expect(gpuWorst).toBeLessThanOrEqual(1e-4);
  }

  // Frames wholly in the leading silence, in the voiced part, and in the trailing silence after 0.6 s of hangover.
  const frames = (from: number, to: number) => result.ours.filter((_, i) => i * frame >= from && (i + 1) * frame <= to);
  const rate = signal.sampleRate;
  const silence = [...frames(0, signal.speech.start), ...frames(signal.speech.end + 0.6 * rate, signal.samples.length)];
  const speech = frames(signal.speech.start, signal.speech.end);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(`silero-vad: silence max ${Math.max(...silence).toFixed(3)} (${silence.length} frames), speech mean ${mean(speech).toFixed(3)} (${speech.length} frames)`);
  expect(Math.max(...silence)).toBeLessThan(0.3);
  expect(mean(speech)).toBeGreaterThan(0.7);

  expect(result.errors).toEqual({
    'sr as Int32Array': 'INPUT_INVALID',
    'sr missing': 'INPUT_INVALID',
    'frame of 256 samples': 'INPUT_INVALID',
    'unknown input': 'INPUT_INVALID',
    'one unnamed input': 'INPUT_INVALID',
    predictBatch: 'INPUT_INVALID',
  });
});

test('a tfjs graph model runs as a tensor model on every tfjs backend: named inputs, an int64 scalar, a float16 output', async ({ page }) => {
  const built = await tinyGraphPackage({ signingKey: await publisherKey() });
  await writePackageDir(join(FIXTURES, 'e2e', 'tensor'), built, { overwrite: true });
  const url = `/fixtures/e2e/tensor/${built.manifest.name}/${built.manifest.version}/manifest.json`;
  const x = [1, 2, 3, -1, 0.5, 4];
  await openLab(page);
  const runs = await page.evaluate(
    async ({ url, x }) => {
      const { createRuntime, trustedKeys } = window.edgeloop;
      const runtime = await createRuntime({ trustedKeys, tfjsFlags: { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 } });
      const auto = await runtime.load(url);
      const report = { backend: auto.backend.backend, candidates: auto.backend.candidates.map((c) => `${c.backend}: ${c.warmupMs !== undefined ? 'timed' : c.skipped}`) };
      await auto.dispose();
      const rows = [];
      for (const backend of ['tfjs-cpu', 'tfjs-wasm', 'tfjs-webgpu'] as const) {
        const model = await runtime.load(url, { backend }).catch((e: Error) => e);
        if (model instanceof Error) {
          rows.push({ backend, error: model.message });
          continue;
        }
        const { outputs } = await model.predict({ x: { data: Float32Array.from(x), shape: [2, 3] }, n: [3] });
        rows.push({ backend, y: Array.from(outputs.y_out!.data as Float32Array), yShape: outputs.y_out!.shape, scaledBits: Array.from(outputs.scaled!.data as Uint16Array), scaledType: outputs.scaled!.data.constructor.name, scaledDtype: outputs.scaled!.dtype });
        await model.dispose();
      }
      await runtime.dispose();
      return { report, rows };
    },
    { url, x },
  );
  console.log(`tiny-graph: auto chose ${runs.report.backend}; ${runs.report.candidates.join('; ')}`);
  const w = TINY_GRAPH_WEIGHTS;
  const expected = [0, 1].flatMap((row) => [0, 1].map((col) => [0, 1, 2].reduce((sum, k) => sum + x[row * 3 + k]! * w[k * 2 + col]!, 0)));
  for (const row of runs.rows) {
    expect(row, `${row.backend} loads the graph model`).not.toHaveProperty('error');
    expect(row.yShape).toEqual([2, 2]);
    row.y!.forEach((v, i) => expect(v, `${row.backend} y_out[${i}]`).toBeCloseTo(expected[i]!, 5));
    expect(row).toMatchObject({ scaledType: 'Uint16Array', scaledDtype: 'float16' });
    // float16 keeps 11 significant bits: within 2^-10 of 3·y relative to its size.
    row.scaledBits!.forEach((bits, i) => expect(Math.abs(float16BitsToFloat32(bits) - 3 * expected[i]!)).toBeLessThanOrEqual(Math.abs(3 * expected[i]!) / 1024 + 1e-6));
  }
});

test('a float32 image model takes 8-bit pixels (Uint8Array, Uint8ClampedArray) and answers as for the same values as floats', async ({ page }) => {
  await openLab(page);
  const rows = await page.evaluate(async () => {
    const { createRuntime, trustedKeys, loadTestDigits } = window.edgeloop;
    const runtime = await createRuntime({ trustedKeys });
    const model = await runtime.load('/fixtures/registry/mnist-mlp/1.0.0/manifest.json');
    const { images, labels } = await loadTestDigits(6);
    const out = [];
    for (let i = 0; i < images.length; i++) {
      const clamped = Uint8ClampedArray.from(images[i]!, (v) => Math.round(v * 255));
      const shape = [28, 28, 1];
      const floats = await model.predict({ data: Float32Array.from(clamped), shape });
      const fromClamped = await model.predict({ data: clamped, shape });
      const fromBytes = await model.predict({ data: Uint8Array.from(clamped), shape });
      const diff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j]!)));
      out.push({ label: labels[i], top: floats.topK[0]!.index, clampedTop: fromClamped.topK[0]!.index, diffClamped: diff(floats.output, fromClamped.output), diffBytes: diff(floats.output, fromBytes.output) });
    }
    await runtime.dispose();
    return out;
  });
  for (const row of rows) {
    expect(row.diffClamped).toBe(0);
    expect(row.diffBytes).toBe(0);
    expect(row.clampedTop).toBe(row.top);
  }
  // A ~92 % model on six digits: the pixels reach it as the model was trained on them.
  expect(rows.filter((r) => r.top === r.label).length).toBeGreaterThanOrEqual(4);
});
