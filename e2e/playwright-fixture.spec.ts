/**
 * The edgeloop/playwright fixture used as a user would: a profile by id, the page that
 * exposes the runtime, load / predict / measure.
 */
import { expect, test } from '../devices/playwright.ts';

const CNN = '/fixtures/registry/mnist-cnn/1.0.0/manifest.json';

test.describe('on a phone without WebGPU', () => {
  // phone-offline: the 4× phone without WebGPU, on loopback until measure() takes it offline (3G would spend minutes on the engines' wasm).
  test.use({ edgeProfile: 'phone-offline', edgePage: '/lab.html' });

  test('loads, predicts and measures without ever touching WebGPU', async ({ edge }) => {
    expect(await edge.page.evaluate('navigator.gpu')).toBeUndefined();
    expect(edge.cpuThrottle.rate).toBe(4);
    expect(edge.cpuThrottle.method, edge.cpuThrottle.reason).not.toBe('none');
    const loaded = await edge.load(CNN, { backend: 'tfjs-wasm' });
    expect(loaded.backend).not.toMatch(/webgpu/);
    const digits = (await edge.page.evaluate('window.edgeloop.loadTestDigits(1)')) as { images: Record<string, number>[]; labels: number[] };
    const image = Object.values(digits.images[0]!).map((v) => v * 255);
    const prediction = await edge.predict({ data: image, shape: [28, 28, 1] });
    expect(prediction.topK[0]!.index).toBe(digits.labels[0]);
    const figures = await edge.measure(10);
    expect(figures.predictMs.runs).toBe(10);
    expect(figures.backend).not.toMatch(/webgpu/);
    expect(figures.parity.top1Agreement).toBeGreaterThanOrEqual(0.95);
    expect(figures.registryRequests.offline).toBe(0);
    // Each load is measured (the warm and offline ones from the store). Which is faster is
    // not asserted: for a 23 KB model on loopback, cold and warm land within a few ms of
    // each other and either may win (106.96 vs 107.45 ms in one CI run); docs/BENCHMARKS.md
    // (`store`) compares them over repeated rounds.
    for (const ms of [figures.coldLoadMs, figures.warmLoadMs, figures.offlineLoadMs]) {
      expect(Number.isFinite(ms) && ms > 0, `load times ${figures.coldLoadMs} / ${figures.warmLoadMs} / ${figures.offlineLoadMs} ms`).toBe(true);
    }
  });
});
