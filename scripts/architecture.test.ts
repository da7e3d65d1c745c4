/**
 * The house rules of docs/ARCHITECTURE.md, checked on the source tree: a room imports
 * another room only through its public face (`index.ts`, or `browser.ts` / `node.ts` /
 * `playwright.ts`), rooms depend on each other only along the arrows, no source file is
 * over 400 lines, and no two files import each other, directly or around a loop.
 * Tests, `scripts/`, `e2e/` and `test-support/` may reach into any room.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Which rooms each room may import (besides itself). */
const ARROWS: Readonly<Record<string, readonly string[]>> = {
  format: [],
  runtime: ['format'],
  trainer: ['format'],
  devices: ['format', 'runtime'],
  compress: ['format', 'runtime', 'trainer', 'devices'],
  sync: ['format'],
  loop: ['format', 'runtime', 'trainer', 'compress', 'devices'],
  pwa: ['format', 'runtime', 'trainer', 'compress', 'devices'],
};
const FACES = new Set(['index.ts', 'browser.ts', 'node.ts', 'playwright.ts']);
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const isTest = (file: string) => /\.(test|spec)\.ts$/.test(file);
const roomOf = (file: string) => file.split('/')[0]!;

/** Relative `.ts` imports of a file (static, dynamic, `new URL(…, import.meta.url)` workers), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+\.ts)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"](\.[^'"]+\.ts)['"]/gm),
    ...text.matchAll(/import\(\s*['"](\.[^'"]+\.ts)['"]\s*\)/g),
    ...text.matchAll(/new URL\(\s*['"](\.[^'"]+\.ts)['"]\s*,\s*import\.meta\.url/g),
  ].map((m) => m[1]!);
  return specs.map((spec) => normalize(join(dirname(file), spec)));
}

const rooms = Object.keys(ARROWS);
const files = [...rooms, 'scripts', 'e2e', 'test-support']
  .filter((dir) => {
    try {
      return statSync(join(ROOT, dir)).isDirectory();
    } catch {
      return false;
    }
  })
  .flatMap(sourceFiles);

describe('architecture', () => {
  it('rooms import each other only through their faces, along the arrows', () => {
    const problems: string[] = [];
    for (const file of files) {
      const room = roomOf(file);
      if (!(room in ARROWS) || isTest(file)) continue;
      for (const target of importsOf(file)) {
        const other = roomOf(target);
        if (other === room) continue;
        if (!(other in ARROWS)) problems.push(`${file} imports ${target}, outside every room`);
        else if (!ARROWS[room]!.includes(other)) problems.push(`${file} imports ${target}: ${room} may not depend on ${other}`);
        else if (target.split('/').length !== 2 || !FACES.has(target.split('/')[1]!)) problems.push(`${file} reaches into ${target}; import ${other}/index.ts (or its browser/node face)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files
      .filter((file) => !isTest(file))
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('no import cycle between files', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file).filter((t) => files.includes(t))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative('.', f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
