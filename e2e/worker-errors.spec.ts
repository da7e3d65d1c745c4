/**
 * Every component's error code crosses its real worker into the page: the compressor
 * worker's TARGET_UNKNOWN (devices) and UNSUPPORTED_LAYER (the ONNX exporter), and the
 * trainer worker's CONFIG_INVALID — each with its name, code and details, so a page can
 * check `error.code` rather than parse a message.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, test } from '@playwright/test';
import { tinyPackage } from '../test-support/tiny-package.ts';
import { openLab } from './lab.ts';

interface Caught {
  name: string;
  code?: string;
  details?: Record<string, unknown>;
}

test('codes thrown in the compressor and trainer workers arrive in the page', async ({ page }) => {
  test.setTimeout(180_000);
  await tf.setBackend('cpu');
  const lstm = tfl.sequential({
    layers: [tfl.layers.lstm({ units: 4, inputShape: [5, 3], recurrentInitializer: 'glorotUniform', name: 'my_lstm' }), tfl.layers.dense({ units: 2 })],
  });
  const { built, test: examples } = await tinyPackage(lstm, { name: 'lstm-model' });
  const payload = {
    manifest: [...built.manifestBytes],
    files: [...built.files].map(([path, bytes]) => [path, [...bytes]] as [string, number[]]),
    test: { x: [...examples.x], y: [...examples.y] },
  };
  await openLab(page);
  const caught = await page.evaluate(async ({ manifest, files, test }) => {
    const { createCompressor, createTrainer } = window.edgeloop;
    const asCaught = (e: unknown) => {
      const error = e as Error & { code?: string; details?: Record<string, unknown> };
      return { name: error.name, code: error.code, details: error.details };
    };
    const job = {
      manifestBytes: Uint8Array.from(manifest),
      files: new Map(files.map(([path, bytes]) => [path, Uint8Array.from(bytes)])),
      test: { x: Float32Array.from(test.x), y: Uint8Array.from(test.y) },
    };
    const compressor = createCompressor();
    const unknownTarget = await compressor.compress({ ...job, targets: ['phone-wasm', 'toaster'] }).catch(asCaught);
    const unsupportedLayer = await compressor.compress({ ...job, targets: ['phone-wasm'] }).catch(asCaught);
    compressor.dispose();

    const trainer = createTrainer();
    const set = { x: new Float32Array(4 * 16), y: new Uint8Array(4) };
    const badConfig = await trainer
      .train({ runId: 'bad-config', name: 'bad', model: { kind: 'mlp', hidden: [-3] } as never, inputShape: [4, 4, 1], labels: ['a', 'b'], train: set, test: set, backend: 'cpu' })
      .catch(asCaught);
    trainer.dispose();
    return { unknownTarget, unsupportedLayer, badConfig };
  }, payload);

  const { unknownTarget, unsupportedLayer, badConfig } = caught as Record<string, Caught>;
  expect(unknownTarget).toMatchObject({ name: 'EdgeTargetError', code: 'TARGET_UNKNOWN' });
  expect(unknownTarget!.details!.known).toContain('phone-wasm');
  expect(unsupportedLayer).toMatchObject({ name: 'CompressError', code: 'UNSUPPORTED_LAYER', details: { layerName: 'my_lstm', layerClass: 'LSTM' } });
  expect(badConfig).toMatchObject({ name: 'TrainerError', code: 'CONFIG_INVALID' });
});
