import { describe, expect, it } from 'vitest';
import { entryName, fromEntryName } from './opfs-files.ts';

describe('entryName', () => {
  // Names, versions and paths the store meets: an OPFS entry name may hold no `/` or `\` and may not be `.` or `..`.
  const cases = ['mnist-mlp', '1.0.0', '1.0.0-rc.1+build.5', 'tfjs/group1-shard1of4.bin', 'onnx\\model.onnx', '.', '..', '../escape', 'a%2Fb', 'über/ß 名前'];

  it.each(cases)('makes %j a safe entry name that maps back', (part) => {
    const entry = entryName(part);
    expect(entry).not.toMatch(/[/\\]/);
    expect(entry).not.toMatch(/^\.{1,2}$/);
    expect(entry).not.toContain('.');
    expect(fromEntryName(entry)).toBe(part);
  });

  it('keeps different parts apart', () => {
    const entries = cases.map(entryName);
    expect(new Set(entries).size).toBe(cases.length);
  });

  it('refuses entry names it could not have made', () => {
    expect(fromEntryName('1.0.0')).toBeUndefined(); // an unescaped dot
    expect(fromEntryName('%E0%A4%A')).toBeUndefined(); // a malformed escape
    expect(fromEntryName('a%2fb')).toBeUndefined(); // lower-case hex: not what encodeURIComponent writes
  });
});
