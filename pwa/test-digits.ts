/** Reads the MNIST splits that `npm run fixtures` writes (28×28 digits, 0..1). */
export type MnistSplit = 'train' | 'validation' | 'test';

/** A split as flat arrays (`count × 784` pixels, `count` labels), ready for the trainer. */
export async function loadMnistSplit(split: MnistSplit, count = Infinity): Promise<{ x: Float32Array; y: Uint8Array; count: number }> {
  const [imagesResponse, labelsResponse] = await Promise.all([fetch(`/fixtures/data/mnist-${split}-images.f32`), fetch(`/fixtures/data/mnist-${split}-labels.u8`)]);
  if (!imagesResponse.ok || !labelsResponse.ok) throw new Error(`the MNIST ${split} split is missing: run \`npm run fixtures\``);
  const labels = new Uint8Array(await labelsResponse.arrayBuffer());
  const n = Math.min(count, labels.length);
  const x = new Float32Array(await imagesResponse.arrayBuffer()).slice(0, n * 784);
  return { x, y: labels.slice(0, n), count: n };
}

/** The held-out test digits one by one. */
export async function loadTestDigits(count = Infinity): Promise<{ images: Float32Array[]; labels: number[] }> {
  const { x, y, count: n } = await loadMnistSplit('test', count);
  return { images: Array.from({ length: n }, (_, i) => x.slice(i * 784, (i + 1) * 784)), labels: Array.from(y) };
}
