import { describe, expect, it } from 'vitest';
import { isTrainerError } from '../errors.ts';
import { groupImageFilesByLabel } from './group-image-files.ts';
import { createSeededRandom, shuffleInPlace } from './seeded-random.ts';
import { loadMnist } from './mnist-node.ts';

/** Paths the way a browser reports a picked "digits" folder of real MNIST labels (first 30 of each class). */
function mnistPaths(): string[] {
  const { labels } = loadMnist();
  const perClass = new Array<number>(10).fill(0);
  const paths: string[] = [];
  labels.forEach((label, i) => {
    if (perClass[label]++ < 30) paths.push(`digits/${label}/img${i}.png`);
  });
  return paths;
}

function dataEmptyMessage(paths: string[]): string {
  try {
    groupImageFilesByLabel(paths);
  } catch (error) {
    if (isTrainerError(error, 'DATA_EMPTY')) return error.message;
    throw error;
  }
  throw new Error('expected DATA_EMPTY');
}

describe('groupImageFilesByLabel', () => {
  it('labels each image by its class folder and points back to the file given', () => {
    const paths = mnistPaths();
    const groups = groupImageFilesByLabel(paths);
    expect(groups.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(groups.root).toBe('digits');
    expect(groups.files).toHaveLength(300);
    for (const file of groups.files) {
      expect(file.path).toBe(paths[file.index]);
      expect(file.path.split('/')[1]).toBe(groups.classes[file.label]);
    }
  });

  it('gives the same order whatever order the browser lists the files in', () => {
    const paths = mnistPaths();
    const shuffled = shuffleInPlace([...paths], createSeededRandom(4));
    const a = groupImageFilesByLabel(paths).files.map((f) => f.path);
    const b = groupImageFilesByLabel(shuffled).files.map((f) => f.path);
    expect(b).toEqual(a);
    // Grouped by class, then in natural path order (img9 before img10).
    const natural = groupImageFilesByLabel(['d/a/img10.png', 'd/a/img9.png', 'd/b/x.png']).files.map((f) => f.path);
    expect(natural).toEqual(['d/a/img9.png', 'd/a/img10.png', 'd/b/x.png']);
  });

  it('orders class folders naturally', () => {
    const groups = groupImageFilesByLabel(['s/10/a.png', 's/2/a.png', 's/1/a.png', 's/cat/a.jpg']);
    expect(groups.classes).toEqual(['1', '2', '10', 'cat']);
  });

  it('skips hidden files, non-images and loose files in the root, and lists them', () => {
    const groups = groupImageFilesByLabel([
      'pets/cat/1.JPG',
      'pets/.DS_Store',
      'pets/dog/2.webp',
      'pets/readme.txt',
      'pets/cover.png',
      'pets/dog/.thumbs/2.png',
      'pets/cat/notes',
    ]);
    expect(groups.classes).toEqual(['cat', 'dog']);
    expect(groups.files.map((f) => f.path)).toEqual(['pets/cat/1.JPG', 'pets/dog/2.webp']);
    expect(groups.skipped).toEqual([
      { index: 1, path: 'pets/.DS_Store', reason: 'hidden' },
      { index: 3, path: 'pets/readme.txt', reason: 'not-an-image' },
      { index: 4, path: 'pets/cover.png', reason: 'not-in-class-folder' },
      { index: 5, path: 'pets/dog/.thumbs/2.png', reason: 'hidden' },
      { index: 6, path: 'pets/cat/notes', reason: 'not-an-image' },
    ]);
  });

  it('finds the class folders below a picked parent folder, and merges deeper folders into their class', () => {
    const groups = groupImageFilesByLabel(['data\\digits\\0\\a.png', 'data/digits/1/batch1/b.png', 'data/digits/1/batch2/c.png']);
    expect(groups.root).toBe('data/digits');
    expect(groups.classes).toEqual(['0', '1']);
    expect(groups.files.map((f) => f.label)).toEqual([0, 1, 1]);
  });

  it('takes top-level folders as classes when the folders were dropped one by one', () => {
    const groups = groupImageFilesByLabel(['cat/1.png', 'dog/2.png']);
    expect(groups.root).toBe('');
    expect(groups.classes).toEqual(['cat', 'dog']);
  });

  it('refuses a single class folder, naming it', () => {
    expect(dataEmptyMessage(['digits/7/a.png', 'digits/7/b.png'])).toContain('"digits/7"');
    expect(dataEmptyMessage(['digits/7/a.png', 'digits/7/b.png', 'digits/x.png'])).toContain('one class folder ("7"');
  });

  it('refuses files picked one by one (no folders) and a pick with no images', () => {
    expect(dataEmptyMessage(['a.png', 'b.png'])).toContain('not in folders');
    expect(dataEmptyMessage(['d/x/readme.md'])).toContain('none of the 1 file');
  });
});
