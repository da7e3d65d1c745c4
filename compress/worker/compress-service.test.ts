import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { expose, proxy, wrap, type Remote } from 'comlink';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isEdgeTargetError } from '../../devices/index.ts';
import { installErrorTransfer, parseManifest } from '../../format/index.ts';
import { buildMlp } from '../../trainer/index.ts';
import { tinyPackage } from '../../test-support/tiny-package.ts';
import { isCompressError, type CompressError } from '../compress-error.ts';
import type { CompressWorkerApi } from './api.ts';
import { CompressService } from './compress-service.ts';

// A real MessageChannel: the same structured-clone boundary as the compressor's worker.
const channels: MessageChannel[] = [];
function connect(): Remote<CompressWorkerApi> {
  installErrorTransfer();
  const channel = new MessageChannel();
  channels.push(channel);
  expose(new CompressService(), channel.port1 as never);
  return wrap<CompressWorkerApi>(channel.port2 as never);
}
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const job = async (model: tfl.LayersModel, targets: string[]) => {
  const { built, test } = await tinyPackage(model);
  return { manifestBytes: built.manifestBytes, files: built.files, targets, test };
};

describe('the compress driver behind its worker boundary', () => {
  it('compresses a package, with progress lines and an ONNX artifact evaluated on onnxruntime-web', async () => {
    const remote = connect();
    const lines: string[] = [];
    const outcome = await remote.compress(await job(buildMlp({ inputShape: [8, 8, 1], hidden: [128], classes: 3, seed: 1 }), ['phone-wasm']), proxy((line: string) => void lines.push(line)));
    expect(parseManifest(outcome.package.manifestBytes).artifacts.map((a) => a.id)).toEqual(['tfjs-fp32', 'onnx-int8-phone-wasm']);
    expect(outcome.package.files.has('onnx-int8-phone-wasm/model.onnx')).toBe(true);
    expect(outcome.report.entries[0]!.top1Agreement).toBeGreaterThan(0.9);
    expect(lines.some((line) => line.startsWith('onnx-int8-phone-wasm:'))).toBe(true);
  });

  it('an unknown edge target arrives as TARGET_UNKNOWN, listing the known ones', async () => {
    const remote = connect();
    const error = await remote.compress(await job(buildMlp({ inputShape: [8, 8, 1], hidden: [8], classes: 3 }), ['phone-wasm', 'toaster'])).catch((e: unknown) => e);
    expect(isEdgeTargetError(error, 'TARGET_UNKNOWN')).toBe(true);
    expect((error as Error & { details: { known: string[] } }).details.known).toContain('phone-wasm');
  });

  it('a layer the exporter cannot convert arrives as UNSUPPORTED_LAYER, naming it', async () => {
    const remote = connect();
    const model = tfl.sequential({
      layers: [tfl.layers.lstm({ units: 4, inputShape: [5, 3], recurrentInitializer: 'glorotUniform', name: 'my_lstm' }), tfl.layers.dense({ units: 2 })],
    });
    const error = await remote.compress(await job(model, ['phone-wasm'])).catch((e: unknown) => e);
    expect(isCompressError(error, 'UNSUPPORTED_LAYER')).toBe(true);
    expect((error as CompressError).details).toMatchObject({ layerName: 'my_lstm', layerClass: 'LSTM' });
  });
});
