import { describe, expect, it } from 'vitest';
import { defaultBlockAxis, defaultQuantAxis } from './default-quant-axis.ts';

describe('defaultQuantAxis / defaultBlockAxis', () => {
  it.each([
    { layer: 'Dense', shape: [784, 128], weightName: 'kernel', channel: 1, block: 0 },
    { layer: 'Conv2D', shape: [3, 3, 16, 32], weightName: 'kernel', channel: 3, block: 2 },
    { layer: 'DepthwiseConv2D', shape: [3, 3, 32, 1], weightName: 'depthwise_kernel', channel: 2, block: 2 },
    { layer: 'SeparableConv2D', shape: [3, 3, 32, 2], weightName: 'depthwise_kernel', channel: 2, block: 2 },
    { layer: 'SeparableConv2D', shape: [1, 1, 64, 16], weightName: 'pointwise_kernel', channel: 3, block: 2 },
    { layer: 'Conv1D', shape: [5, 8, 4], weightName: 'kernel', channel: 2, block: 1 },
  ])('$layer $weightName $shape: channel axis $channel, block axis $block', ({ layer, shape, weightName, channel, block }) => {
    expect(defaultQuantAxis(layer, shape, { weightName })).toBe(channel);
    expect(defaultBlockAxis(layer, shape, { weightName })).toBe(block);
  });

  it('rejects a depthwise kernel that is not 4-D', () => {
    expect(() => defaultQuantAxis('DepthwiseConv2D', [3, 3, 8])).toThrow(RangeError);
  });
});
