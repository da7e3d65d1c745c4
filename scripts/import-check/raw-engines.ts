/**
 * The raw side of `--check` (browser): the package's artifact run by tfjs or
 * onnxruntime-web called directly — no manifest checks, no worker, no preprocessing —
 * on the same backend and with the same engine settings as edgeloop's engines
 * (runtime/engine/*-engine.ts), on inputs already preprocessed (check-inputs.ts).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as Ort from 'onnxruntime-web/webgpu';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { Artifact, Manifest } from '../../format/index.ts';
import type { BackendRow } from '../../runtime/index.ts';
import { numbersOf, type CheckTensor } from './check-inputs.ts';

/** Raw outputs by name, as plain numbers. */
export type RawOutputs = Record<string, Float64Array>;

/** Runs the package's artifact at `versionUrl` (ending in `/`) directly on `row`'s engine and device. */
export function runRaw(manifest: Manifest, versionUrl: string, row: Pick<BackendRow, 'engine' | 'device'>, inputs: Record<string, CheckTensor>, tfjsFlags: Record<string, number | boolean>): Promise<RawOutputs> {
  const artifact = manifest.artifacts.find((a) => a.engine === row.engine);
  if (!artifact) throw new Error(`the package has no ${row.engine} artifact`);
  return row.engine === 'onnx' ? runOrt(manifest, versionUrl, artifact, row.device as 'wasm' | 'webgpu', inputs) : runTfjs(manifest, versionUrl, artifact, row.device, inputs, tfjsFlags);
}

async function runTfjs(manifest: Manifest, versionUrl: string, artifact: Artifact, device: BackendRow['device'], inputs: Record<string, CheckTensor>, tfjsFlags: Record<string, number | boolean>): Promise<RawOutputs> {
  const tf: typeof TfCore = await import('@tensorflow/tfjs-core');
  for (const [flag, value] of Object.entries(tfjsFlags)) if (flag in (tf.env() as unknown as { flagRegistry: object }).flagRegistry) tf.env().set(flag, value);
  if (device === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (device === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (device === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': tfjsWasm, 'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd });
  }
  if (!(await tf.setBackend(device))) throw new Error(`tfjs backend "${device}" failed to initialise`);
  const url = versionUrl + artifact.files[0]!.path;
  const json = (await (await fetch(url)).json()) as { format?: string; modelTopology?: { node?: unknown } };
  const graph = json.format === 'graph-model' || Array.isArray(json.modelTopology?.node);
  const inputsInOrder = (manifest.inputs ?? [manifest.input]).map((input) => {
    const t = inputs[input.name]!;
    // tfjs has no float16 or int64 tensors: float16 goes in as float32, int64 as int32.
    const data = t.dtype === 'float16' ? Float32Array.from(numbersOf('float16', t.data)) : t.dtype === 'int64' ? Int32Array.from(numbersOf('int64', t.data)) : t.data;
    const dtype = t.dtype === 'float16' ? 'float32' : t.dtype === 'int64' || t.dtype === 'uint8' ? 'int32' : t.dtype;
    return { name: input.name, tensor: tf.tensor(data as Float32Array, t.shape, dtype as 'float32') };
  });
  const outputs = manifest.outputs ?? [manifest.output];
  let results: TfCore.Tensor[] = [];
  try {
    if (graph) {
      const converter = await import('@tensorflow/tfjs-converter');
      const model = await converter.loadGraphModel(url);
      const y = await model.executeAsync(Object.fromEntries(inputsInOrder.map((i) => [i.name, i.tensor])), outputs.map((o) => o.name));
      results = Array.isArray(y) ? y : [y];
      model.dispose();
    } else {
      const tfl = await import('@tensorflow/tfjs-layers');
      const model = await tfl.loadLayersModel(url);
      const y = model.predict(inputsInOrder.length === 1 ? inputsInOrder[0]!.tensor : inputsInOrder.map((i) => i.tensor)) as TfCore.Tensor | TfCore.Tensor[];
      results = Array.isArray(y) ? y : [y];
      model.dispose();
    }
    const out: RawOutputs = {};
    for (const [k, output] of outputs.entries()) out[output.name] = Float64Array.from((await results[k]!.data()) as ArrayLike<number>);
    return out;
  } finally {
    tf.dispose([...results, ...inputsInOrder.map((i) => i.tensor)]);
  }
}

async function runOrt(manifest: Manifest, versionUrl: string, artifact: Artifact, device: 'wasm' | 'webgpu', inputs: Record<string, CheckTensor>): Promise<RawOutputs> {
  const ort: typeof Ort = await import('onnxruntime-web/webgpu');
  // The same environment as edgeloop's OrtEngine (single-threaded here: the page is a tool).
  ort.env.wasm.wasmPaths = { wasm: ortWasm };
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const fetchBytes = async (path: string) => {
    const response = await fetch(versionUrl + path);
    if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const modelFile = artifact.files.find((f) => f.path.endsWith('.onnx'))!;
  const folder = modelFile.path.slice(0, modelFile.path.lastIndexOf('/') + 1);
  const externalData = await Promise.all(artifact.files.filter((f) => f !== modelFile).map(async (f) => ({ path: f.path.slice(folder.length), data: await fetchBytes(f.path) })));
  const session = await ort.InferenceSession.create(await fetchBytes(modelFile.path), {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...(externalData.length > 0 ? { externalData } : {}),
  });
  try {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = new ort.Tensor(t.dtype, t.data as Float32Array, t.shape);
    const results = await session.run(feeds);
    const out: RawOutputs = {};
    for (const output of manifest.outputs ?? [manifest.output]) {
      const tensor = results[output.name];
      if (!tensor) throw new Error(`onnxruntime-web gave no output "${output.name}" (it gave ${Object.keys(results).join(', ')})`);
      const data = (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as ArrayLike<number | bigint>;
      // float16 comes back as its bits (Uint16Array) or, where the browser has one, a Float16Array of values.
      const dtype = output.dtype ?? 'float32';
      out[output.name] = numbersOf(dtype === 'float16' && !(data instanceof Uint16Array) ? 'float32' : dtype, data);
    }
    for (const tensor of Object.values(results)) tensor.dispose();
    return out;
  } finally {
    await session.release();
  }
}
