import { describe, expect, it } from 'vitest';
import { createMissingTest, inferColumnType, naturalCompare, parseDecimal } from './column-types.ts';

describe('parseDecimal', () => {
  it.each([
    ['42', 42],
    ['-3.5', -3.5],
    ['+.5', 0.5],
    ['1e-3', 0.001],
    ['7.', 7],
  ])('reads %s as %d', (text, value) => expect(parseDecimal(text)).toBe(value));

  it.each(['', '0x1f', 'Infinity', '1,234', '12abc', '1e400', '.'])('refuses %j, which Number() would partly accept', (text) => {
    expect(parseDecimal(text)).toBeNaN();
  });
});

describe('inferColumnType', () => {
  it('calls a column numeric when most values are numbers, so a typo does not make it text', () => {
    expect(inferColumnType(['63', '37', '41', 'fourty', '52'])).toBe('numeric');
    expect(inferColumnType(['S', 'M', 'L', '10'])).toBe('categorical');
    expect(inferColumnType(['1', 'x'])).toBe('categorical');
  });
});

describe('createMissingTest', () => {
  it('knows the usual missing markers, ignoring case', () => {
    const isMissing = createMissingTest();
    for (const text of ['', 'NA', 'n/a', 'NaN', 'NULL', 'None', '?']) expect(isMissing(text)).toBe(true);
    for (const text of ['0', 'no', 'nan0']) expect(isMissing(text)).toBe(false);
    expect(createMissingTest(['-'])('-')).toBe(true);
  });
});

describe('naturalCompare', () => {
  it('orders digit runs by value', () => {
    expect(['img10.png', 'img9.png', 'img1.png', 'b', 'a'].sort(naturalCompare)).toEqual(['a', 'b', 'img1.png', 'img9.png', 'img10.png']);
    expect(['10', '2', '1'].sort(naturalCompare)).toEqual(['1', '2', '10']);
  });
});
