/**
 * Test helper: a small package in memory around any tfjs layers model — one fp32 tfjs
 * artifact, a manifest with input and output — plus seeded random examples shaped for
 * it, for compressor tests that need a package but not a trained model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createPackage, type BuiltPackage } from '../format/index.ts';
import { tfjsArtifactFiles } from '../trainer/index.ts';

/** What {@link tinyPackage} builds. */
export interface TinyPackage {
  built: BuiltPackage;
  /** `count` seeded random examples of the model's input shape, labels cycling through the classes. */
  test: { x: Float32Array; y: Uint8Array };
}

/** Options of {@link tinyPackage}. */
export interface TinyPackageOptions {
  /** Package name. @defaultValue 'tiny-mlp' */
  name?: string;
  /** Examples in `test`. @defaultValue 40 */
  count?: number;
}

/** Packages `model` (its input shape and class count read from the model) as `name@1.0.0`. */
export async function tinyPackage(model: LayersModel, options: TinyPackageOptions = {}): Promise<TinyPackage> {
  const { name = 'tiny-mlp', count = 40 } = options;
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const classes = model.outputs[0]!.shape[model.outputs[0]!.shape.length - 1] as number;
  const built = await createPackage({
    manifest: {
      name,
      version: '1.0.0',
      createdAt: new Date(0).toISOString(),
      // An image model when its input is height × width × channels; any other shape is tabular (an image input must be rank 4).
      ...(inputShape.length === 3
        ? { task: 'image-classification' as const, input: { name: 'input', shape: [-1, ...inputShape], dtype: 'float32' as const, layout: 'NHWC' as const } }
        : { task: 'tabular-classification' as const, input: { name: 'input', shape: [-1, ...inputShape], dtype: 'float32' as const } }),
      output: { name: 'logits', shape: [-1, classes], labels: Array.from({ length: classes }, (_, i) => `c${i}`), activation: 'softmax' },
      metrics: { accuracy: 0.5 },
    },
    artifacts: [{ id: 'tfjs-fp32', engine: 'tfjs', precision: 'fp32', target: 'generic', files: await tfjsArtifactFiles(model, { dir: 'tfjs' }) }],
  });
  const x = tf.tidy(() => tf.randomUniform([count, ...inputShape], 0, 1, 'float32', 7).dataSync() as Float32Array);
  const y = Uint8Array.from({ length: count }, (_, i) => i % classes);
  return { built, test: { x, y } };
}
