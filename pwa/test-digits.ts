/** Reads the held-out MNIST test split that `npm run fixtures` writes (28×28 digits, 0..1). */
export async function loadTestDigits(count = Infinity): Promise<{ images: Float32Array[]; labels: number[] }> {
  const [imagesResponse, labelsResponse] = await Promise.all([fetch('/fixtures/data/mnist-test-images.f32'), fetch('/fixtures/data/mnist-test-labels.u8')]);
  if (!imagesResponse.ok || !labelsResponse.ok) throw new Error('the MNIST test digits are missing: run `npm run fixtures`');
  const all = new Float32Array(await imagesResponse.arrayBuffer());
  const labels = Array.from(new Uint8Array(await labelsResponse.arrayBuffer()));
  const n = Math.min(count, labels.length);
  return { images: Array.from({ length: n }, (_, i) => all.slice(i * 784, (i + 1) * 784)), labels: labels.slice(0, n) };
}
