/**
 * Image folders picked in the browser (`<input webkitdirectory>`): labels from folder
 * names, PNGs decoded in the page, odd sizes resized or refused by option, a broken
 * file named in the error.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openLab } from './lab.ts';

test('a folder of digit PNGs becomes a labelled data set; mixed sizes resize or refuse; a broken file is named', async ({ page }) => {
  await openLab(page);
  // Real digits, encoded as PNG by the browser: 3 per class for 0, 1 and 2, one of them 56×56.
  const pngs = await page.evaluate(async () => {
    const { images, labels } = await window.edgeloop.loadTestDigits(60);
    const out: Array<{ label: number; index: number; bytes: number[] }> = [];
    const perClass = new Map<number, number>();
    for (let i = 0; i < images.length; i++) {
      const label = labels[i]!;
      if (label > 2 || (perClass.get(label) ?? 0) >= 3) continue;
      perClass.set(label, (perClass.get(label) ?? 0) + 1);
      const size = out.length === 4 ? 56 : 28;
      const small = new OffscreenCanvas(28, 28);
      const data = new ImageData(28, 28);
      images[i]!.forEach((v, p) => data.data.set([v * 255, v * 255, v * 255, 255], p * 4));
      small.getContext('2d')!.putImageData(data, 0, 0);
      const canvas = new OffscreenCanvas(size, size);
      canvas.getContext('2d')!.drawImage(small, 0, 0, size, size);
      out.push({ label, index: i, bytes: Array.from(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer())) });
    }
    return out;
  });
  expect(pngs.length).toBe(9);
  const root = await mkdtemp(join(tmpdir(), 'edgeloop-images-'));
  const folder = join(root, 'digits');
  try {
    for (const png of pngs) {
      await mkdir(join(folder, String(png.label)), { recursive: true });
      await writeFile(join(folder, String(png.label), `digit-${png.index}.png`), Uint8Array.from(png.bytes));
    }
    await page.setInputFiles('#folder', folder);
    const loaded = await page.evaluate(async () => {
      const files = Array.from((document.getElementById('folder') as HTMLInputElement).files!);
      const resized = await window.edgeloop.loadImageFiles(files, { channels: 1, size: { width: 28, height: 28 } });
      let refused = '';
      try {
        await window.edgeloop.loadImageFiles(files, { channels: 1, size: { width: 28, height: 28 }, sizeMismatch: 'error' });
      } catch (error) {
        refused = `${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
      const { images } = await window.edgeloop.loadTestDigits(60);
      return {
        classes: resized.classes,
        count: resized.count,
        labels: Array.from(resized.labels as ArrayLike<number>),
        resized: resized.resized,
        shape: [resized.height, resized.width, resized.channels],
        maxPixel: Math.max(...resized.images),
        refused,
        // The first image of class 0 against the digit it was drawn from.
        firstMatchesSource: (() => {
          const source = images.find((_, i) => i === Number(files.find((f) => f.webkitRelativePath.includes('/0/'))!.name.match(/\d+/)![0]))!;
          let diff = 0;
          for (let p = 0; p < 784; p++) diff = Math.max(diff, Math.abs(source[p]! - resized.images[p]!));
          return diff;
        })(),
      };
    });
    expect(loaded.classes).toEqual(['0', '1', '2']);
    expect(loaded.count).toBe(9);
    expect(loaded.labels.filter((l) => l === 0).length).toBe(3);
    expect(loaded.shape).toEqual([28, 28, 1]);
    expect(loaded.resized?.length).toBe(1);
    expect(loaded.maxPixel).toBeLessThanOrEqual(1);
    expect(loaded.firstMatchesSource, 'PNG round trip keeps the pixels (8-bit rounding)').toBeLessThan(0.01);
    expect(loaded.refused).toMatch(/^IMAGE_SIZE_MISMATCH: .*digit-\d+\.png.*56/);

    // A file that is not an image.
    await writeFile(join(folder, '1', 'broken.png'), 'not a png');
    await page.setInputFiles('#folder', folder);
    const broken = await page.evaluate(async () => {
      try {
        await window.edgeloop.loadImageFiles(Array.from((document.getElementById('folder') as HTMLInputElement).files!), { channels: 1 });
        return 'loaded';
      } catch (error) {
        return `${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
    });
    expect(broken).toMatch(/^IMAGE_DECODE: .*broken\.png/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
