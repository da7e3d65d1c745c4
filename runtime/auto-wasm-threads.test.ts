import { describe, expect, it } from 'vitest';
import { autoWasmThreads } from './client.ts';

describe("wasmThreads: 'auto'", () => {
  // A 2-core phone keeps a core for the page and the runtime worker: all the cores made
  // onnxruntime's session build take seconds and the page's main thread miss frames.
  const cases: Array<[number, number]> = [[1, 1], [2, 1], [3, 2], [4, 2], [6, 3], [8, 4], [16, 4]];
  for (const [cores, threads] of cases) {
    it(`${cores} core(s): ${threads} thread(s)`, () => expect(autoWasmThreads(cores)).toBe(threads));
  }
});
