/**
 * Test helper: a tiny tfjs graph model written as tfjs's converter writes one (a
 * GraphDef in `model.json` plus a weight shard), for tests of graph models without
 * TensorFlow: `y_out = x · w` and `scaled = y_out · n`, with `x` float32 [-1, 3], `n`
 * an int64 scalar (tfjs holds it as int32) and `w` fixed weights (sin 1 … sin 6). Also
 * its `tensor` package.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { createPackage, type BuiltPackage, type SigningKeyPair } from '../format/index.ts';

/** The weights `w` [3, 2], row-major. */
export const TINY_GRAPH_WEIGHTS = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + 1));

/** The model's files, by path, and the paths in artifact order (`model.json` first). */
export function tinyGraphModel(dir = 'graph'): { files: Map<string, Uint8Array>; paths: string[] } {
  const dtype = (type: string) => ({ type });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'edgeloop test',
    convertedBy: 'edgeloop test',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: dtype('DT_FLOAT'), shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
        { name: 'n', op: 'Placeholder', attr: { dtype: dtype('DT_INT64'), shape: { shape: {} } } },
        { name: 'w', op: 'Const', attr: { dtype: dtype('DT_FLOAT'), value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '2' }] } } } } },
        { name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { T: dtype('DT_FLOAT'), transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'nf', op: 'Cast', input: ['n'], attr: { SrcT: dtype('DT_INT64'), DstT: dtype('DT_FLOAT') } },
        { name: 'scaled', op: 'Mul', input: ['y', 'nf'], attr: { T: dtype('DT_FLOAT') } },
        // y also feeds scaled, so it is no output of the graph; its copy is.
        { name: 'y_out', op: 'Identity', input: ['y'], attr: { T: dtype('DT_FLOAT') } },
      ],
      library: {},
      versions: {},
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [3, 2], dtype: 'float32' }] }],
  };
  const paths = [`${dir}/model.json`, `${dir}/group1-shard1of1.bin`];
  const files = new Map([
    [paths[0]!, new TextEncoder().encode(JSON.stringify(modelJson))],
    [paths[1]!, new Uint8Array(TINY_GRAPH_WEIGHTS.slice().buffer)],
  ]);
  return { files, paths };
}

/** The model as `tf.io.fromMemory` takes it, for loading it with tfjs-converter directly. */
export function graphArtifacts(files: ReadonlyMap<string, Uint8Array>, paths: readonly string[]): TfCore.io.ModelArtifacts {
  const json = JSON.parse(new TextDecoder().decode(files.get(paths[0]!))) as { modelTopology: object; weightsManifest: Array<{ weights: TfCore.io.WeightsManifestEntry[] }>; format: string };
  return { format: json.format, modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: files.get(paths[1]!)!.slice().buffer };
}

/** The model as a `tensor` package (`tiny-graph@1.0.0`, one `tfjs-fp32` artifact); `n` is declared int64, `scaled` is returned as float16. */
export async function tinyGraphPackage(options: { signingKey?: Pick<SigningKeyPair, 'privateKey' | 'publicKey'> } = {}): Promise<BuiltPackage> {
  const { files, paths } = tinyGraphModel('tfjs');
  const inputs = [
    { name: 'x', shape: [-1, 3], dtype: 'float32' as const },
    { name: 'n', shape: [], dtype: 'int64' as const, warmup: { value: 1 } },
  ];
  const outputs = [
    { name: 'y_out', shape: [-1, 2], dtype: 'float32' as const, activation: 'none' as const },
    { name: 'scaled', shape: [-1, 2], dtype: 'float16' as const, activation: 'none' as const },
  ];
  return createPackage({
    manifest: { name: 'tiny-graph', version: '1.0.0', createdAt: '2026-01-01T00:00:00.000Z', task: 'tensor', input: inputs[0]!, output: outputs[0]!, inputs, outputs, metrics: {} },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: paths.map((path) => ({ path, data: files.get(path)! })) }],
    ...(options.signingKey ? { signingKey: options.signingKey } : {}),
  });
}
