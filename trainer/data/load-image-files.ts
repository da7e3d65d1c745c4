/**
 * Browser-only: turns image files a user picked (`<input type="file" webkitdirectory>`
 * or drag and drop) into a labelled data set, with labels from the folder names.
 * Works in a window or a worker (createImageBitmap and OffscreenCanvas); not in Node.
 */
import { TrainerError } from '../errors.ts';
import { assembleImageDataset, type DecodedImage, type ImageDataset, type ImageDatasetOptions } from './assemble-image-dataset.ts';
import { groupImageFilesByLabel, type GroupImageFilesOptions } from './group-image-files.ts';

/** Options of {@link loadImageFiles}. */
export interface LoadImageFilesOptions extends ImageDatasetOptions, GroupImageFilesOptions {}

/**
 * Decodes `files` into an {@link ImageDataset}. A file's path is its
 * `webkitRelativePath` (or its name); see {@link groupImageFilesByLabel} for how paths
 * become classes. Images are drawn the way the runtime draws inputs (transparent
 * pixels read as black; smoothing quality high), so training and inference agree.
 *
 * @throws {TrainerError} as {@link groupImageFilesByLabel} and
 *   {@link assembleImageDataset} do: `DATA_EMPTY`, `IMAGE_DECODE`, `IMAGE_SIZE_MISMATCH`.
 */
export async function loadImageFiles(files: readonly File[], options: LoadImageFilesOptions = {}): Promise<ImageDataset> {
  const groups = groupImageFilesByLabel(
    files.map((f) => f.webkitRelativePath || f.name),
    options,
  );
  return assembleImageDataset(groups, (entry) => decodeWithCanvas(files[entry.index]), options);
}

async function decodeWithCanvas(file: Blob): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(file);
  return {
    width: bitmap.width,
    height: bitmap.height,
    pixels(width, height) {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new TrainerError('IMAGE_DECODE', 'OffscreenCanvas has no 2d context here, so images cannot be read; use a current browser');
      context.imageSmoothingQuality = 'high';
      context.drawImage(bitmap, 0, 0, width, height);
      return context.getImageData(0, 0, width, height).data;
    },
    close() {
      bitmap.close();
    },
  };
}
