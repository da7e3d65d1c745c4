/**
 * Named tensors in and out of tfjs, which has float32, int32 and bool only: int64 and
 * uint8 inputs go in as int32 (int64 values must fit), float16 as float32; outputs
 * come back as float32, int32 or bool and the worker casts them to the manifest's dtype.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { EdgeloopError, float16BitsToFloat32 } from '../../format/index.ts';
import { castTensor } from './tensor-values.ts';
import type { BackendId, NamedTensor } from './types.ts';

/** A tfjs tensor holding `tensor`'s values (the caller disposes it). */
export function toTfjs(tf: typeof TfCore, name: string, tensor: NamedTensor): TfCore.Tensor {
  const { dtype, data, shape } = tensor;
  switch (dtype) {
    case 'float32':
    case 'int32':
      return tf.tensor(data as Float32Array | Int32Array, shape, dtype);
    case 'bool':
      return tf.tensor(data as Uint8Array, shape, 'bool');
    case 'float16':
      return tf.tensor(Float32Array.from(data as Uint16Array, float16BitsToFloat32), shape, 'float32');
    case 'uint8':
      return tf.tensor(Int32Array.from(data as Uint8Array), shape, 'int32');
    case 'int64': {
      const why = 'tfjs has no int64, so int64 inputs must fit int32 there (an onnx artifact takes them as they are)';
      return tf.tensor(castTensor(tensor, 'int32', { name, code: 'INPUT_INVALID', why }).data as Int32Array, shape, 'int32');
    }
  }
}

/** A tfjs output as a named tensor (float32, int32 or bool). */
export async function fromTfjs(tensor: TfCore.Tensor, name: string, backend: BackendId): Promise<NamedTensor> {
  const shape = tensor.shape.slice();
  const data = await tensor.data();
  switch (tensor.dtype) {
    case 'float32':
      return { dtype: 'float32', data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), shape };
    case 'int32':
      return { dtype: 'int32', data: data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>), shape };
    case 'bool':
      return { dtype: 'bool', data: data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>), shape };
    default:
      throw new EdgeloopError('INFERENCE_FAILED', `the model's output "${name}" on ${backend} is of type ${tensor.dtype}, which edgeloop does not carry (float32, int32, bool from tfjs)`, {
        details: { backend, name, type: tensor.dtype },
      });
  }
}
