import { describe, expect, it } from 'vitest';
import { isTrainerError, type TrainerError } from '../errors.ts';
import { assembleImageDataset, type DecodedImage, type DecodeImage } from './assemble-image-dataset.ts';
import { groupImageFilesByLabel } from './group-image-files.ts';
import { loadMnist, MNIST_PIXELS } from './mnist-node.ts';

const mnist = loadMnist();

/** A picked folder of 5 real digits per class: path → MNIST index. */
const picked = new Map<string, number>();
{
  const perClass = new Array<number>(10).fill(0);
  mnist.labels.forEach((label, i) => {
    if (perClass[label]++ < 5) picked.set(`digits/${label}/${i}.png`, i);
  });
}
const groups = groupImageFilesByLabel([...picked.keys()]);

/** RGBA bytes of digit `i` (white on black), as a canvas would give them. */
function rgbaOf(i: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(MNIST_PIXELS * 4);
  for (let p = 0; p < MNIST_PIXELS; p++) {
    const v = Math.round(mnist.images[i * MNIST_PIXELS + p] * 255);
    out.set([v, v, v, 255], p * 4);
  }
  return out;
}

/**
 * Stands in for createImageBitmap + canvas: each file is its MNIST digit at 28×28,
 * except paths listed in `sizes`, which report that size and draw a flat grey. It
 * records the sizes pixels were asked at and how many images were closed.
 */
function fakeDecoder(sizes: Record<string, [number, number]> = {}, broken: string[] = []) {
  const drawnAt: string[] = [];
  let closed = 0;
  const decode: DecodeImage = async (file) => {
    if (broken.includes(file.path)) throw new Error('The source image could not be decoded.');
    const [width, height] = sizes[file.path] ?? [28, 28];
    const image: DecodedImage = {
      width,
      height,
      pixels(w, h) {
        drawnAt.push(`${w}×${h}`);
        if (w === 28 && h === 28 && !sizes[file.path]) return rgbaOf(picked.get(file.path)!);
        return new Uint8ClampedArray(w * h * 4).fill(128);
      },
      close: () => void closed++,
    };
    return image;
  };
  return { decode, drawnAt, closed: () => closed };
}

async function rejection(promise: Promise<unknown>): Promise<TrainerError> {
  try {
    await promise;
  } catch (error) {
    if (isTrainerError(error)) return error;
    throw error;
  }
  throw new Error('expected a TrainerError');
}

describe('assembleImageDataset', () => {
  it('builds grey NHWC images in 0..1 with the folder labels, in the grouped order', async () => {
    const { decode, closed } = fakeDecoder();
    const data = await assembleImageDataset(groups, decode, { channels: 1 });
    expect(data).toMatchObject({ count: 50, height: 28, width: 28, channels: 1, resized: [] });
    expect(data.classes).toEqual(groups.classes);
    expect(data.images.length).toBe(50 * MNIST_PIXELS);
    data.paths.forEach((path, k) => {
      const source = picked.get(path)!;
      expect(data.classes[data.labels[k]]).toBe(String(mnist.labels[source]));
      const image = data.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS);
      // Bytes carry 1/255 steps, so the round trip is within half a step.
      image.forEach((v, p) => expect(Math.abs(v - mnist.images[source * MNIST_PIXELS + p])).toBeLessThanOrEqual(0.5 / 255 + 1e-6));
    });
    expect(closed()).toBe(50);
  });

  it('keeps three channels when asked', async () => {
    const data = await assembleImageDataset(groups, fakeDecoder().decode, { channels: 3 });
    expect(data.images.length).toBe(50 * MNIST_PIXELS * 3);
    const first = picked.get(data.paths[0])!;
    const brightest = mnist.images.subarray(first * MNIST_PIXELS, (first + 1) * MNIST_PIXELS).indexOf(1);
    expect(Array.from(data.images.subarray(brightest * 3, brightest * 3 + 3))).toEqual([1, 1, 1]);
  });

  it('resizes an image of another size to the first image’s size and lists it', async () => {
    const odd = data7();
    const { decode, drawnAt } = fakeDecoder({ [odd]: [40, 32] });
    const data = await assembleImageDataset(groups, decode, { channels: 1 });
    expect(data.resized).toEqual([odd]);
    expect(new Set(drawnAt)).toEqual(new Set(['28×28']));
    const k = data.paths.indexOf(odd);
    expect(data.images[k * MNIST_PIXELS]).toBeCloseTo(128 / 255, 5);
  });

  it("refuses an image of another size with sizeMismatch: 'error', naming the file and both sizes", async () => {
    const odd = data7();
    const error = await rejection(assembleImageDataset(groups, fakeDecoder({ [odd]: [40, 32] }).decode, { sizeMismatch: 'error' }));
    expect(error.code).toBe('IMAGE_SIZE_MISMATCH');
    expect(error.details).toEqual({ file: odd, expected: { width: 28, height: 28 }, actual: { width: 40, height: 32 } });
    expect(error.message).toContain(odd);
    expect(error.message).toContain('40×32');
    expect(error.message).toContain('28×28');
  });

  it('draws every image at the size asked for', async () => {
    const { decode, drawnAt } = fakeDecoder();
    const data = await assembleImageDataset(groups, decode, { size: { width: 14, height: 14 }, channels: 1 });
    expect(data).toMatchObject({ width: 14, height: 14 });
    expect(data.images.length).toBe(50 * 14 * 14);
    expect(data.resized).toHaveLength(50);
    expect(new Set(drawnAt)).toEqual(new Set(['14×14']));
  });

  it('names the file that cannot be decoded, keeping the cause', async () => {
    const bad = data7();
    const error = await rejection(assembleImageDataset(groups, fakeDecoder({}, [bad]).decode));
    expect(error.code).toBe('IMAGE_DECODE');
    expect(error.details.file).toBe(bad);
    expect(error.message).toContain(bad);
    expect((error.cause as Error).message).toContain('could not be decoded');
  });

  it("skips a file that cannot be decoded with unreadable: 'skip', listing it with the decoder's reason", async () => {
    const bad = data7();
    const data = await assembleImageDataset(groups, fakeDecoder({}, [bad]).decode, { channels: 1, unreadable: 'skip' });
    expect(data.count).toBe(49);
    expect(data.images.length).toBe(49 * MNIST_PIXELS);
    expect(data.labels).toHaveLength(49);
    expect(data.paths).not.toContain(bad);
    expect(data.skipped).toContainEqual(expect.objectContaining({ path: bad, reason: 'unreadable', detail: 'The source image could not be decoded.' }));
    // The examples after the skipped one keep their own labels.
    data.paths.forEach((path, k) => expect(data.classes[data.labels[k]]).toBe(String(mnist.labels[picked.get(path)!])));
  });

  it('reports progress and stops when aborted', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const run = assembleImageDataset(groups, fakeDecoder().decode, {
      onProgress: (done, total) => {
        seen.push(done);
        expect(total).toBe(50);
        if (done === 10) controller.abort(new Error('user cancelled'));
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow('user cancelled');
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });
});

/** The path of the first digit-7 image in the picked folder. */
function data7(): string {
  return groups.files.find((f) => groups.classes[f.label] === '7')!.path;
}
