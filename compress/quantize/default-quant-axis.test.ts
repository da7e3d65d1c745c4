import { describe, expect, it } from 'vitest';
import { defaultBlockAxis, defaultBlockView, defaultQuantAxis } from './default-quant-axis.ts';

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
    expect(() => defaultBlockView('DepthwiseConv2D', [3, 3, 8])).toThrow(RangeError);
  });

  it.each([
    { layer: 'Dense', shape: [784, 128], weightName: 'kernel', view: [784, 128] },
    { layer: 'Conv2D', shape: [3, 3, 1, 8], weightName: 'kernel', view: [9, 8] },
    { layer: 'Conv2D', shape: [3, 3, 16, 32], weightName: 'kernel', view: [144, 32] },
    { layer: 'DepthwiseConv2D', shape: [3, 3, 32, 1], weightName: 'depthwise_kernel', view: [9, 32] },
    { layer: 'SeparableConv2D', shape: [5, 5, 8, 2], weightName: 'depthwise_kernel', view: [25, 16] },
    { layer: 'SeparableConv2D', shape: [1, 1, 64, 16], weightName: 'pointwise_kernel', view: [64, 16] },
    { layer: 'Conv1D', shape: [5, 8, 4], weightName: 'kernel', view: [40, 4] },
    { layer: 'Dense', shape: [7], weightName: 'kernel', view: [7, 1] },
  ])('defaultBlockView $layer $weightName $shape: $view, blocked on axis 0', ({ layer, shape, weightName, view }) => {
    expect(defaultBlockView(layer, shape, { weightName })).toEqual({ viewShape: view, axis: 0 });
  });
});
