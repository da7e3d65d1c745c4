import { describe, expect, it } from 'vitest';
import { gatherExamples } from './gather-examples.ts';
import { parseCsvDataset } from './parse-csv-dataset.ts';

const HOUSES = ['sqft,rooms,price', '1200,3,310000', '800,2,189500', '1500,4,402000', '950,2,215000'].join('\n');

describe('gatherExamples', () => {
  it('copies the chosen rows and their targets in index order, keeping Float32Array targets', () => {
    const data = parseCsvDataset(HOUSES, { labelColumn: 'price', task: 'regression' });
    const picked = gatherExamples(data.features, data.labels, 2, [3, 0]);
    expect(picked.labels).toBeInstanceOf(Float32Array);
    expect(Array.from(picked.labels)).toEqual([215000, 310000]);
    expect(Array.from(picked.features)).toEqual([950, 2, 1200, 3]);
    expect(picked.count).toBe(2);
  });

  it('rejects an index outside the data and a row size that does not fit', () => {
    const features = new Float32Array(6);
    const labels = new Uint8Array(3);
    expect(() => gatherExamples(features, labels, 2, [3])).toThrow(RangeError);
    expect(() => gatherExamples(features, labels, 4, [0])).toThrow(RangeError);
  });
});
