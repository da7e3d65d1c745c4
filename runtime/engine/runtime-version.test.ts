import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_VERSION } from './runtime-version.ts';

describe('RUNTIME_VERSION', () => {
  it("is package.json's version (bump both together)", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(RUNTIME_VERSION).toBe(pkg.version);
  });
});
