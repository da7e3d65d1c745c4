/**
 * Test helpers for the CLIs: run a command in this process, capturing what it prints and
 * its exit code, and write real image files (PNG, drawn with `@napi-rs/canvas`) into
 * class folders.
 */
import { createCanvas } from '@napi-rs/canvas';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { CliCommand } from '../scripts/cli/cli-command.ts';

/** What a command printed and how it exited. */
export interface CommandRun {
  stdout: string;
  stderr: string;
  /** `process.exitCode` the command set (0 when it set none). */
  exitCode: number;
}

/** Runs `command` with `args` as `edgeloop <name>` would, capturing stdout, stderr and the exit code. */
export async function runCommand(command: CliCommand, args: readonly string[]): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += `${parts.join(' ')}\n`));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await command.run(args, 'edgeloop test');
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
    log.mockRestore();
    out.mockRestore();
    err.mockRestore();
  }
}

/** Colours by class name (others cycle through them): a block of it on grey, so a model can tell classes apart. */
const COLOURS: Readonly<Record<string, string>> = { red: '#d02020', blue: '#2040d0', green: '#20b040', yellow: '#d0b020' };
const colourOf = (name: string, k: number): string => COLOURS[name] ?? Object.values(COLOURS)[k % 4]!;

/**
 * Writes `counts[name]` PNG files into `<dir>/<name>/` (or straight into `dir` when
 * `flat`), each a coloured block on grey whose colour says its class (`red`, `blue`, `green`
 * and `yellow` are drawn in that colour); sizes vary
 * (`sizes`, cycling) so the loader has to resize them.
 */
export async function writeImageFolder(dir: string, counts: Record<string, number>, options: { flat?: boolean; sizes?: readonly number[] } = {}): Promise<string[]> {
  const { sizes = [24, 32, 40] } = options;
  const written: string[] = [];
  let k = 0;
  for (const [name, count] of Object.entries(counts)) {
    const folder = options.flat ? dir : join(dir, name);
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < count; i++) {
      const size = sizes[(k + i) % sizes.length]!;
      const canvas = createCanvas(size, size);
      const context = canvas.getContext('2d');
      context.fillStyle = '#808080';
      context.fillRect(0, 0, size, size);
      context.fillStyle = colourOf(name, k);
      context.fillRect((i % 4) * (size / 16), (i % 3) * (size / 16), size * 0.6, size * 0.6);
      const path = join(folder, `${options.flat ? `${name}-` : ''}${i}.png`);
      await writeFile(path, canvas.toBuffer('image/png'));
      written.push(path);
    }
    k++;
  }
  return written;
}
