import { describe, expect, it } from 'vitest';
import { isSameOriginWorker, workerBootstrapSource } from './start-worker.ts';

describe('isSameOriginWorker', () => {
  it.each([
    ['/assets/w.js', 'http://localhost:4173/page.html', true],
    ['http://localhost:4173/assets/w.js', 'http://localhost:4173/', true],
    ['http://127.0.0.1:9000/assets/w.js', 'http://127.0.0.1:8000/', false],
    ['https://cdn.example/edgeloop/assets/w.js', 'https://shop.example/', false],
    ['https://cdn.example/w.js', undefined, true],
  ])('%s from %s → %s', (worker, page, expected) => {
    expect(isSameOriginWorker(worker, page)).toBe(expected);
  });
});

describe('workerBootstrapSource', () => {
  it('imports the worker module by its absolute URL, quoted safely', () => {
    expect(workerBootstrapSource('https://cdn.example/a"b.js')).toBe('import "https://cdn.example/a\\"b.js";\n');
  });
});
