import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { buildModel, validateModelConfig, type ModelConfig } from './model-config.ts';

describe('buildModel', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  it('builds each kind from JSON, and the same config gives the same weights', () => {
    const configs: ModelConfig[] = JSON.parse(
      '[{"kind":"mlp","hidden":[16,8],"seed":2},{"kind":"cnn","classes":4},{"kind":"mobilenet","inputSize":32,"alpha":0.35,"classes":3}]',
    );
    const [mlp, cnn, mobilenet] = configs.map(buildModel);
    expect(mlp.name).toBe('mlp');
    expect(mlp.outputs[0].shape).toEqual([null, 10]);
    expect(cnn.outputs[0].shape).toEqual([null, 4]);
    expect(mobilenet.inputs[0].shape).toEqual([null, 32, 32, 3]);
    const again = buildModel(configs[0]);
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(mlp.getWeights().map((w) => Array.from(w.dataSync())));
    for (const m of [mlp, cnn, mobilenet, again]) m.dispose();
  });

  it('builds an MLP on a row of tabular features (rank-1 input, no Flatten), with and without hidden layers', () => {
    for (const hidden of [[8], []]) {
      const model = buildModel({ kind: 'mlp', inputShape: [47], hidden, classes: 3 });
      expect(model.inputs[0].shape).toEqual([null, 47]);
      const out = model.predict(tf.ones([2, 47])) as tf.Tensor;
      expect(out.shape).toEqual([2, 3]);
      out.dispose();
      model.dispose();
    }
  });

  it.each<[unknown, string]>([
    [[], '(root)'],
    [{}, 'kind'],
    [{ kind: 'transformer' }, 'kind'],
    [{ kind: 'mlp', hiden: [16] }, 'hiden'],
    [{ kind: 'mlp', hidden: [16, 0] }, 'hidden[1]'],
    [{ kind: 'mlp', hidden: 16 }, 'hidden'],
    [{ kind: 'cnn', inputShape: [28, 28] }, 'inputShape'],
    [{ kind: 'cnn', classes: 2.5 }, 'classes'],
    [{ kind: 'cnn', alpha: 1 }, 'alpha'],
    [{ kind: 'mobilenet', alpha: 0 }, 'alpha'],
    [{ kind: 'mlp', seed: 'one' }, 'seed'],
  ])('rejects %j with CONFIG_INVALID naming %s', (config, field) => {
    let error: unknown;
    try {
      validateModelConfig(config);
    } catch (e) {
      error = e;
    }
    expect(isTrainerError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe(field);
    expect((error as Error).message).toContain(field);
  });
});
