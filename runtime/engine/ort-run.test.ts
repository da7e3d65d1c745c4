/**
 * `EngineSession.run` on onnxruntime-web (wasm) in Node: the one output it fetches is the
 * graph's own, exactly as onnxruntime-web called directly gives it, in a buffer of its own.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { onnxClassifier } from '../../test-support/import-models.ts';
import { EnginePool } from './engine-pool.ts';

describe('run on onnxruntime-web (wasm)', () => {
  it('answers the graph output as a direct call does, call after call', async () => {
    const { model } = onnxClassifier();
    const pool = new EnginePool();
    const session = await pool.createSession('ort-wasm', { files: new Map([['onnx/model.onnx', model]]), paths: ['onnx/model.onnx'] });
    const direct = await ort.InferenceSession.create(model);
    try {
      for (let call = 0; call < 3; call++) {
        const data = Float32Array.from({ length: 3 * 5 * 6 }, (_, i) => Math.sin(i + call));
        const expected = (await direct.run({ [direct.inputNames[0]!]: new ort.Tensor('float32', data.slice(), [1, 3, 5, 6]) }))[direct.outputNames[0]!]!;
        const out = await session.run({ data, shape: [1, 3, 5, 6] });
        expect(out.shape).toEqual([...expected.dims]);
        expect(Array.from(out.data)).toEqual(Array.from(expected.data as Float32Array));
        expect(out.data.byteOffset === 0 && out.data.byteLength === out.data.buffer.byteLength).toBe(true);
      }
    } finally {
      session.dispose();
      await direct.release();
    }
  });
});
