/**
 * What a page's scripts weigh: the `.js` URLs a page loaded (resource timing), read back
 * from the build folder they came from, each with its bytes and gzip -9 size.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One script of a page. */
export interface ScriptSize {
  path: string;
  bytes: number;
  gzip: number;
}

/** The distinct scripts of `urls` (by path, sorted), read from `dir`. */
export async function scriptSizes(urls: readonly string[], dir: string): Promise<ScriptSize[]> {
  return Promise.all(
    [...new Set(urls.map((url) => new URL(url).pathname))].sort().map(async (path) => {
      const bytes = await readFile(join(dir, path));
      return { path, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
}

/** Their gzip total in KB, one decimal. */
export function gzipKb(files: readonly ScriptSize[]): number {
  return Math.round((files.reduce((sum, f) => sum + f.gzip, 0) / 1024) * 10) / 10;
}
