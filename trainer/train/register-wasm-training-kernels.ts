/**
 * The three gradient kernels tfjs-backend-wasm lacks for training convolutional
 * models — `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput` — as plain loops over the wasm heap. With
 * them the wasm backend trains CNNs and MobileNetV2s; everything else (the
 * broadcasting element-wise ops of BatchNormalization's gradient above all, which
 * dominate a MobileNetV2 step on the plain-JS cpu backend) runs in wasm. Measured
 * in Node on a 2-core machine, one MobileNetV2 α 0.35 32×32 step of 32 images: ~0.4 s
 * on wasm with these kernels vs 4–10 s on cpu with `registerFastCpuKernels`.
 * NHWC, dilation 1, float32 only: what tfjs-layers' Conv2D / DepthwiseConv2D train
 * with. tfjs's own gradients already refuse dilation > 1 (on every backend) and the
 * wasm forward Conv2D refuses NCHW, so other cases reach these kernels only when they
 * are called directly; they then throw a `TrainerError` `BACKEND_UNSUPPORTED` rather
 * than compute something else.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.ts';
import { backpropFilter } from './conv-backprop-filter.ts';

/** The part of tfjs-backend-wasm's `BackendWasm` the kernels use (a view into the wasm heap per tensor). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
}

type Shape4 = [number, number, number, number];

/**
 * Registers the kernels on the 'wasm' backend (tfjs's global kernel registry, so it
 * affects every model in this JS realm). Idempotent; works whether or not the wasm
 * backend has been initialised yet.
 */
export function registerWasmTrainingKernels(): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm') === undefined) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}

/** @throws {TrainerError} `BACKEND_UNSUPPORTED` for a layout, dilation or dtype the kernels do not compute. */
function checkLayout(kernelName: string, dataFormat: string | undefined, dilations: number | [number, number] | undefined, inputs: tf.TensorInfo[]): void {
  const dilated = dilations !== undefined && (Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1);
  const dtypes = inputs.map((t) => t.dtype);
  if ((dataFormat !== undefined && dataFormat !== 'NHWC') || dilated || dtypes.some((d) => d !== 'float32')) {
    throw new TrainerError(
      'BACKEND_UNSUPPORTED',
      `${kernelName} on the wasm backend (edgeloop's training kernel) computes float32 NHWC without dilation only ` +
        `(got dataFormat ${dataFormat ?? 'NHWC'}, dilations ${JSON.stringify(dilations ?? 1)}, dtypes ${dtypes.join('/')}); train this model on the cpu backend (--backend cpu)`,
      { details: { kernel: kernelName, backend: 'wasm', dataFormat: dataFormat ?? 'NHWC', dilations: dilations ?? 1, dtypes } },
    );
  }
}

/** Allocates the output first: growing the heap detaches views taken before. */
function heapViews(backend: unknown, outShape: number[], inputs: tf.TensorInfo[]): { out: tf.TensorInfo; views: Float32Array[] } {
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput(outShape, 'float32');
  return { out, views: [heap.typedArrayFromHeap(out), ...inputs.map((t) => heap.typedArrayFromHeap(t))] };
}


/** dx[b, xr, xc, i] = Σ over the outputs whose window covers it of w[r, c, i, m] · dy[b, y, x, i·mult+m]. */
function depthwiseBackpropInput(info: tf.backend_util.Conv2DInfo, dyv: Float32Array, wv: Float32Array, out: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const mult = outChannels / inChannels;
  const acc = new Float64Array(out.length);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            for (let i = 0; i < inChannels; i++) {
              let sum = 0;
              for (let m = 0; m < mult; m++) sum += wv[wOff + i * mult + m] * dyv[dyOff + i * mult + m];
              acc[xOff + i] += sum;
            }
          }
        }
      }
    }
  }
  out.set(acc);
}

const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  checkLayout(tf.Conv2DBackpropFilter, dataFormat, 1, [x, dy]);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const { out, views } = heapViews(backend, filterShape, [x, dy]);
  views[0].set(backpropFilter(info, views[1], views[2], false));
  return out;
};

const depthwiseBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  checkLayout(tf.DepthwiseConv2dNativeBackpropFilter, undefined, dilations, [x, dy]);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, true);
  const { out, views } = heapViews(backend, filterShape, [x, dy]);
  views[0].set(backpropFilter(info, views[1], views[2], true));
  return out;
};

const depthwiseBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  checkLayout(tf.DepthwiseConv2dNativeBackpropInput, undefined, dilations, [dy, filter]);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, true);
  const { out, views } = heapViews(backend, inputShape, [dy, filter]);
  depthwiseBackpropInput(info, views[1], views[2], views[0]);
  return out;
};

const KERNELS: ReadonlyArray<readonly [string, tf.KernelFunc]> = [
  [tf.Conv2DBackpropFilter, conv2dBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilterKernel],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInputKernel],
];
