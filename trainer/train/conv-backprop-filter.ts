/** The filter gradient of a 2-D convolution, dense or depthwise, as plain loops over flat NHWC arrays. */
import type * as tf from '@tensorflow/tfjs-core';

/**
 * dW[r,c,i,o] = Σ x[b, y·s+r−top, x·s+c−left, i] · dy[b, y, x, o] (dense), or with
 * `o` running over channel `i`'s `mult` outputs only (depthwise, dW `[kh, kw, in, mult]`).
 * Float64 accumulation. NHWC. Shared by the fast 'cpu' kernel (register-fast-cpu-kernels.ts)
 * and the 'wasm' training kernels (register-wasm-training-kernels.ts).
 */
export function backpropFilter(info: tf.backend_util.Conv2DInfo, xv: ArrayLike<number>, dyv: ArrayLike<number>, depthwise: boolean): Float64Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const mult = outChannels / inChannels;
  // dW: [kh, kw, in, out] dense, [kh, kw, in, mult] depthwise.
  const acc = new Float64Array(filterHeight * filterWidth * (depthwise ? outChannels : inChannels * outChannels));
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
            if (depthwise) {
              const wOff = (wR * filterWidth + wC) * outChannels;
              for (let i = 0; i < inChannels; i++) {
                const xval = xv[xOff + i];
                for (let m = 0; m < mult; m++) acc[wOff + i * mult + m] += xval * dyv[dyOff + i * mult + m];
              }
              continue;
            }
            const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let i = 0; i < inChannels; i++) {
              const xval = xv[xOff + i];
              if (xval === 0) continue;
              const row = wOff + i * outChannels;
              for (let o = 0; o < outChannels; o++) acc[row + o] += xval * dyv[dyOff + o];
            }
          }
        }
      }
    }
  }
  return acc;
}
