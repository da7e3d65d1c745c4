/**
 * Node-only: a folder of image files on disk → an image data set, labelled by its
 * sub-folder names (`pets/cat/1.png` is a "cat") or unlabelled. The grouping and
 * assembling rules are the browser's (`groupImageFilesByLabel`, `assembleImageDataset`);
 * only the decoder differs: `@napi-rs/canvas` (Skia), drawn the way the runtime draws
 * inputs in the browser (`drawImage` with `imageSmoothingQuality: 'high'`), so training in
 * Node and inference in a browser see the same pixels. `@napi-rs/canvas` is an optional
 * dependency, loaded on first use.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { TrainerError } from '../errors.ts';
import { assembleImageDataset, type DecodedImage, type ImageDataset, type ImageDatasetOptions } from './assemble-image-dataset.ts';
import { groupImageFilesByLabel, IMAGE_EXTENSIONS, type GroupImageFilesOptions, type ImageFileGroups, type SkippedImageFile } from './group-image-files.ts';

/** Options of {@link loadImageFolder} and {@link loadUnlabelledImages}. */
export interface LoadImageFolderOptions extends ImageDatasetOptions, GroupImageFilesOptions {}

/** Images without labels: an {@link ImageDataset} less its labels and classes. */
export type UnlabelledImages = Omit<ImageDataset, 'labels' | 'classes'>;

/** The files of an image folder, as {@link listImageFolder} finds them. */
export interface ImageFolderListing {
  /** The folder, resolved. */
  dir: string;
  /** Every file below it, as `<folder name>/<path inside>` with `/` separators (the form `groupImageFilesByLabel` takes). */
  paths: string[];
  /** True when an image sits in a sub-folder (not hidden): the folder can be read as labelled. */
  hasClassFolders: boolean;
}

/**
 * Lists every file below `dir` (sub-folders included).
 *
 * @throws {TrainerError} `CONFIG_INVALID` when `dir` is not a readable folder.
 */
export async function listImageFolder(dir: string, options: GroupImageFilesOptions = {}): Promise<ImageFolderListing> {
  const root = resolve(dir);
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (cause) {
    throw new TrainerError('CONFIG_INVALID', `${dir} is not a readable folder (${(cause as Error).message}); pass a folder of images with one sub-folder per class`, {
      details: { dir },
      cause,
    });
  }
  const extensions = new Set(options.extensions ?? IMAGE_EXTENSIONS);
  const name = basename(root);
  const paths: string[] = [];
  let hasClassFolders = false;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // `parentPath` is Node 20.12+; `path` the older name of the same field.
    const parent = (entry as { parentPath?: string }).parentPath ?? (entry as unknown as { path: string }).path;
    const inside = relative(root, join(parent, entry.name)).split(sep);
    paths.push([name, ...inside].join('/'));
    const ext = entry.name.slice(entry.name.lastIndexOf('.') + 1).toLowerCase();
    if (inside.length > 1 && !inside.some((p) => p.startsWith('.')) && extensions.has(ext)) hasClassFolders = true;
  }
  paths.sort();
  return { dir: root, paths, hasClassFolders };
}

/**
 * Reads the images below `dir` as a labelled data set: each sub-folder is a class (see
 * {@link groupImageFilesByLabel}), each image is decoded and drawn at `size` with
 * `channels` (see {@link assembleImageDataset}).
 *
 * @throws {TrainerError} `DEPENDENCY_MISSING` when `@napi-rs/canvas` is not installed;
 *   `CONFIG_INVALID` when `dir` is not a folder; `DATA_EMPTY`, `IMAGE_DECODE`,
 *   `IMAGE_SIZE_MISMATCH` as `groupImageFilesByLabel` and `assembleImageDataset` do.
 */
export async function loadImageFolder(dir: string, options: LoadImageFolderOptions = {}): Promise<ImageDataset> {
  const listing = await listImageFolder(dir, options);
  const groups = groupImageFilesByLabel(listing.paths, options);
  return assembleImageDataset(groups, await folderDecoder(listing), options);
}

/**
 * Reads every image below `dir` (sub-folders included, their names ignored) without
 * labels, in path order: for evaluating a model where no one has labelled the data.
 *
 * @throws {TrainerError} as {@link loadImageFolder}; `DATA_EMPTY` when no file is an image.
 */
export async function loadUnlabelledImages(dir: string, options: LoadImageFolderOptions = {}): Promise<UnlabelledImages> {
  const listing = await listImageFolder(dir, options);
  const extensions = new Set(options.extensions ?? IMAGE_EXTENSIONS);
  const skipped: SkippedImageFile[] = [];
  const files: ImageFileGroups['files'] = [];
  listing.paths.forEach((path, index) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const dot = name.lastIndexOf('.');
    if (path.split('/').some((p) => p.startsWith('.'))) skipped.push({ index, path, reason: 'hidden' });
    else if (dot < 0 || !extensions.has(name.slice(dot + 1).toLowerCase())) skipped.push({ index, path, reason: 'not-an-image' });
    else files.push({ index, path, label: 0 });
  });
  if (files.length === 0) {
    throw new TrainerError('DATA_EMPTY', `${dir} holds no image file (${[...extensions].join(', ')}); pass a folder of images`, { details: { dir, files: listing.paths.length } });
  }
  const groups: ImageFileGroups = { classes: ['unlabelled'], files, skipped, root: basename(listing.dir) };
  const { labels: _labels, classes: _classes, ...rest } = await assembleImageDataset(groups, await folderDecoder(listing), options);
  return rest;
}

/** The `@napi-rs/canvas` functions the decoder uses. */
interface SkiaCanvas {
  loadImage(source: Buffer): Promise<{ width: number; height: number }>;
  createCanvas(width: number, height: number): {
    getContext(kind: '2d'): {
      imageSmoothingQuality: string;
      drawImage(image: unknown, x: number, y: number, width: number, height: number): void;
      getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
    };
  };
}

let canvasModule: Promise<SkiaCanvas> | undefined;

/** `@napi-rs/canvas`, imported once; a typed error saying how to install it when it is missing. */
async function skiaCanvas(): Promise<SkiaCanvas> {
  canvasModule ??= (import('@napi-rs/canvas') as Promise<unknown> as Promise<SkiaCanvas>).catch((cause: unknown) => {
    canvasModule = undefined;
    throw new TrainerError('DEPENDENCY_MISSING', 'reading image files in Node needs the optional package @napi-rs/canvas, which is not installed: npm install @napi-rs/canvas', {
      details: { package: '@napi-rs/canvas' },
      cause,
    });
  });
  return canvasModule;
}

/** Decodes a listed file (`<folder name>/<path inside>`) from disk. */
async function folderDecoder(listing: ImageFolderListing): Promise<(file: { path: string }) => Promise<DecodedImage>> {
  const canvas = await skiaCanvas();
  return async (file) => {
    const inside = file.path.split('/').slice(1);
    const image = await canvas.loadImage(await readFile(join(listing.dir, ...inside)));
    return {
      width: image.width,
      height: image.height,
      pixels(width, height) {
        const context = canvas.createCanvas(width, height).getContext('2d');
        context.imageSmoothingQuality = 'high';
        context.drawImage(image, 0, 0, width, height);
        return context.getImageData(0, 0, width, height).data;
      },
      close() {
        // Skia frees the image when it is collected; nothing to release by hand.
      },
    };
  };
}
