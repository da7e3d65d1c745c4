/**
 * Builds a labelled NHWC image data set from grouped image files and a decoder. Pure
 * apart from the decoder it is given, so the sizing, error and ordering rules are
 * tested in Node; `loadImageFiles` supplies the browser decoder.
 */
import { TrainerError } from '../errors.ts';
import { createClassLabels, type ClassLabels } from './class-labels.ts';
import type { ImageFileGroups, LabelledImageFile, SkippedImageFile } from './group-image-files.ts';

/** A decoded image that can be drawn at any size. */
export interface DecodedImage {
  /** Natural size in pixels. */
  width: number;
  height: number;
  /** RGBA bytes (`width × height × 4`, row-major) of the image drawn at the given size. */
  pixels(width: number, height: number): Uint8ClampedArray;
  /** Frees the decoded image; called once its pixels are read. */
  close(): void;
}

/** Decodes one file; rejects when the file is not a readable image. */
export type DecodeImage = (file: LabelledImageFile) => Promise<DecodedImage>;

/** Options of {@link assembleImageDataset} and `loadImageFiles`. */
export interface ImageDatasetOptions {
  /** The size every example gets. @defaultValue the size of the first image (in class, then path order) */
  size?: { width: number; height: number };
  /**
   * An image of another size: `'resize'` stretches it to `size` (and lists it in
   * `resized`); `'error'` throws `IMAGE_SIZE_MISMATCH`. @defaultValue `'resize'`
   */
  sizeMismatch?: 'resize' | 'error';
  /**
   * 3 keeps RGB; 1 converts to grey with the runtime's weights (0.299 R + 0.587 G +
   * 0.114 B), so training sees what `preprocessing.colorSpace: 'grayscale'` gives
   * at inference. Alpha is ignored. @defaultValue 3
   */
  channels?: 1 | 3;
  /**
   * A file that cannot be decoded: `'error'` throws `IMAGE_DECODE` naming it; `'skip'`
   * leaves it out and lists it in `skipped` (reason `'unreadable'`, with the decoder's
   * message). @defaultValue `'error'`
   */
  unreadable?: 'error' | 'skip';
  /** Stops decoding; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each image with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** A labelled image set in NHWC layout. */
export interface ImageDataset {
  /** `count × height × width × channels` values in 0..1 (bytes / 255: use `preprocessing.scale: 1/255` at inference). */
  images: Float32Array;
  /** Class indices into `classes`. */
  labels: ClassLabels;
  classes: string[];
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** The file path of each example. */
  paths: string[];
  /** Paths of the images that were resized to fit. */
  resized: string[];
  /** Files that were not used, and why. */
  skipped: SkippedImageFile[];
}

/**
 * Decodes every file of `groups` with `decode`, one at a time (decoded images are
 * large), into an {@link ImageDataset} in the order of `groups.files`.
 *
 * @throws {TrainerError} `IMAGE_DECODE` naming the file that cannot be decoded;
 *   `IMAGE_SIZE_MISMATCH` naming the file and both sizes (with `sizeMismatch:
 *   'error'`); `CONFIG_INVALID` for a bad `size` or `channels`.
 */
export async function assembleImageDataset(groups: ImageFileGroups, decode: DecodeImage, options: ImageDatasetOptions = {}): Promise<ImageDataset> {
  const { sizeMismatch = 'resize', channels = 3, unreadable = 'error', signal, onProgress } = options;
  if (channels !== 1 && channels !== 3) {
    throw new TrainerError('CONFIG_INVALID', `channels must be 1 or 3, got ${JSON.stringify(channels)}`, { details: { field: 'channels' } });
  }
  if (options.size && !(isPositiveInteger(options.size.width) && isPositiveInteger(options.size.height))) {
    throw new TrainerError('CONFIG_INVALID', `size must be whole positive pixels, got ${options.size.width}×${options.size.height}`, { details: { field: 'size' } });
  }
  const total = groups.files.length;
  let size = options.size;
  let images: Float32Array | undefined;
  const labels = createClassLabels(total, groups.classes.length);
  const resized: string[] = [];
  const skipped = [...groups.skipped];
  const used: LabelledImageFile[] = [];

  for (let i = 0; i < total; i++) {
    signal?.throwIfAborted();
    const file = groups.files[i];
    const k = used.length;
    let image: DecodedImage;
    try {
      image = await decodeOne(decode, file);
    } catch (error) {
      if (unreadable === 'error' || !(error instanceof TrainerError && error.code === 'IMAGE_DECODE')) throw error;
      skipped.push({ index: file.index, path: file.path, reason: 'unreadable', detail: decodeReason(error) });
      onProgress?.(i + 1, total);
      continue;
    }
    try {
      size ??= { width: image.width, height: image.height };
      images ??= new Float32Array(total * size.height * size.width * channels);
      if (image.width !== size.width || image.height !== size.height) {
        if (sizeMismatch === 'error') {
          throw new TrainerError(
            'IMAGE_SIZE_MISMATCH',
            `${file.path} is ${image.width}×${image.height} pixels but the data set's images are ${size.width}×${size.height}` +
              `${options.size ? ' (the size asked for)' : ` (the size of ${groups.files[0].path})`}; resize the file or pass sizeMismatch: 'resize'`,
            { details: { file: file.path, expected: { ...size }, actual: { width: image.width, height: image.height } } },
          );
        }
        resized.push(file.path);
      }
      const rgba = image.pixels(size.width, size.height);
      writePixels(rgba, channels, images, k * size.width * size.height * channels);
    } finally {
      image.close();
    }
    labels[k] = file.label;
    used.push(file);
    onProgress?.(i + 1, total);
  }
  const count = used.length;
  const perImage = size ? size.height * size.width * channels : 0;
  return {
    images: images ? (count === total ? images : images.slice(0, count * perImage)) : new Float32Array(0),
    labels: count === total ? labels : labels.slice(0, count),
    classes: [...groups.classes],
    count,
    height: size?.height ?? 0,
    width: size?.width ?? 0,
    channels,
    paths: used.map((f) => f.path),
    resized,
    skipped,
  };
}

/** The decoder's own words from an `IMAGE_DECODE` error (its cause), for the skipped list. */
function decodeReason(error: TrainerError): string {
  const cause = error.cause;
  return cause instanceof Error ? cause.message : cause === undefined ? error.message : String(cause);
}

async function decodeOne(decode: DecodeImage, file: LabelledImageFile): Promise<DecodedImage> {
  let image: DecodedImage;
  try {
    image = await decode(file);
  } catch (cause) {
    throw new TrainerError('IMAGE_DECODE', `${file.path} could not be decoded as an image (${cause instanceof Error ? cause.message : String(cause)}); remove it or re-save it as PNG or JPEG`, {
      details: { file: file.path },
      cause,
    });
  }
  if (!(image.width > 0 && image.height > 0)) {
    image.close();
    throw new TrainerError('IMAGE_DECODE', `${file.path} decodes to an empty ${image.width}×${image.height} image; remove it`, { details: { file: file.path } });
  }
  return image;
}

/** RGBA bytes → `channels` floats in 0..1 at `offset` of `out`. */
function writePixels(rgba: Uint8ClampedArray, channels: 1 | 3, out: Float32Array, offset: number): void {
  const n = rgba.length / 4;
  if (channels === 1) {
    for (let p = 0; p < n; p++) out[offset + p] = (0.299 * rgba[p * 4] + 0.587 * rgba[p * 4 + 1] + 0.114 * rgba[p * 4 + 2]) / 255;
    return;
  }
  for (let p = 0; p < n; p++) {
    out[offset + p * 3] = rgba[p * 4] / 255;
    out[offset + p * 3 + 1] = rgba[p * 4 + 1] / 255;
    out[offset + p * 3 + 2] = rgba[p * 4 + 2] / 255;
  }
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}
