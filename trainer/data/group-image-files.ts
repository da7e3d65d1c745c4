/**
 * Turns the paths of image files a user picked (a folder with one sub-folder per
 * class) into labelled, ordered entries. Pure: the browser part that decodes the
 * files is `load-image-files.ts`; this part is what decides labels and order.
 */
import { TrainerError } from '../errors.ts';
import { naturalCompare } from './column-types.ts';

/** File extensions read as images (lower case, no dot). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'avif']);

/** One image with its class. */
export interface LabelledImageFile {
  /** Position of the file in the `paths` given, to find the `File` again. */
  index: number;
  /** The path as given, with `\\` turned into `/`. */
  path: string;
  /** Index into `classes`. */
  label: number;
}

/** A file that was passed over, and why. */
export interface SkippedImageFile {
  index: number;
  path: string;
  /**
   * `'not-an-image'` (extension), `'hidden'` (a dot-file or inside a dot-folder, like
   * `.DS_Store`), `'not-in-class-folder'`, or `'unreadable'` (an image file that does not
   * decode, skipped by `assembleImageDataset` with `unreadable: 'skip'`).
   */
  reason: 'not-an-image' | 'hidden' | 'not-in-class-folder' | 'unreadable';
  /** For `'unreadable'`: the decoder's reason. */
  detail?: string;
}

/** The result of {@link groupImageFilesByLabel}. */
export interface ImageFileGroups {
  /** Class names (folder names) in natural order: `'2'` before `'10'`. */
  classes: string[];
  /** The images, by class and then by path in natural order: the same for any order of `paths`. */
  files: LabelledImageFile[];
  /** Files left out, in the order given. */
  skipped: SkippedImageFile[];
  /** The folder the class folders sit in (`''` when they are at the top), for messages. */
  root: string;
}

/** Options of {@link groupImageFilesByLabel}. */
export interface GroupImageFilesOptions {
  /** Extensions read as images, lower case without the dot. @defaultValue {@link IMAGE_EXTENSIONS} */
  extensions?: readonly string[];
}

/**
 * Groups image `paths` (a `File`'s `webkitRelativePath`, such as
 * `digits/7/img001.png`) by class. The folders every image shares are the root
 * (`digits/`); the first folder below the root names the class (`7`), so deeper
 * folders (`digits/7/batch2/x.png`) still count as class `7`. Picking the parent of
 * the data folder works the same. Files directly in the root, hidden files and
 * non-images are skipped and listed.
 *
 * @throws {TrainerError} `DATA_EMPTY` when no image sits in a class folder, or all
 *   images are in one class (a classifier needs at least two).
 */
export function groupImageFilesByLabel(paths: readonly string[], options: GroupImageFilesOptions = {}): ImageFileGroups {
  const extensions = new Set(options.extensions ?? IMAGE_EXTENSIONS);
  const skipped: SkippedImageFile[] = [];
  const images: Array<{ index: number; path: string; parts: string[] }> = [];
  paths.forEach((raw, index) => {
    const path = raw.replace(/\\/g, '/');
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    const name = parts[parts.length - 1] ?? '';
    const dot = name.lastIndexOf('.');
    if (parts.some((p) => p.startsWith('.'))) skipped.push({ index, path, reason: 'hidden' });
    else if (dot < 0 || !extensions.has(name.slice(dot + 1).toLowerCase())) skipped.push({ index, path, reason: 'not-an-image' });
    else images.push({ index, path, parts });
  });
  if (images.length === 0) {
    throw new TrainerError('DATA_EMPTY', `none of the ${paths.length} file(s) is an image (${[...extensions].join(', ')}); pick a folder of images with one sub-folder per class`, {
      details: { files: paths.length },
    });
  }

  // The root: the leading folders all images share.
  let depth = 0;
  const first = images[0].parts;
  while (depth < first.length - 1 && images.every((im) => im.parts.length - 1 > depth && im.parts[depth] === first[depth])) depth++;
  const root = first.slice(0, depth).join('/');

  const byClass = new Map<string, Array<{ index: number; path: string }>>();
  for (const im of images) {
    if (im.parts.length - 1 <= depth) {
      skipped.push({ index: im.index, path: im.path, reason: 'not-in-class-folder' });
      continue;
    }
    const name = im.parts[depth];
    let members = byClass.get(name);
    if (!members) byClass.set(name, (members = []));
    members.push({ index: im.index, path: im.path });
  }
  skipped.sort((a, b) => a.index - b.index);
  const classes = [...byClass.keys()].sort(naturalCompare);
  if (classes.length < 2) {
    const where = root === '' ? 'the top level' : `"${root}"`;
    throw new TrainerError(
      'DATA_EMPTY',
      classes.length === 0
        ? `the ${images.length} image(s) are ${root === '' ? 'not in folders' : `all in one folder ("${root}")`}; ` +
            'a classifier needs one sub-folder per class (e.g. digits/0/…, digits/1/…): pick the folder that holds them'
        : `all ${images.length} image(s) are in one class folder ("${classes[0]}" in ${where}); a classifier needs at least two: pick the folder that holds one sub-folder per class`,
      { details: { root, classes } },
    );
  }
  const files: LabelledImageFile[] = [];
  classes.forEach((name, label) => {
    const members = byClass.get(name)!.sort((a, b) => naturalCompare(a.path, b.path));
    for (const m of members) files.push({ index: m.index, path: m.path, label });
  });
  return { classes, files, skipped, root };
}
