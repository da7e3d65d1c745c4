import { describe, expect, it } from 'vitest';
import { svgLineChart } from './svg-line-chart.ts';

function polylinePoints(svg: string): Array<Array<[number, number]>> {
  return [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]));
}

describe('svgLineChart', () => {
  it('maps the data range onto the plot area, higher values drawn higher', () => {
    const svg = svgLineChart([{ name: 'loss', points: [[1, 2], [2, 1], [3, 0]] }], { width: 200, height: 100 });
    const [line] = polylinePoints(svg);
    expect(line).toHaveLength(3);
    // Left margin 56, right 16 → x from 56 to 184; top 28, bottom 40 → y from 60 (min) to 28 (max).
    expect(line[0]).toEqual([56, 28]);
    expect(line[2]).toEqual([184, 60]);
    expect(line[1][1]).toBeCloseTo(44, 1);
  });

  it('skips non-finite points and survives a single point', () => {
    const svg = svgLineChart([{ name: 'a', points: [[1, 0.5], [2, Number.NaN]] }]);
    expect(polylinePoints(svg)[0]).toHaveLength(1);
    expect(svg).not.toContain('NaN');
  });

  it('says "no data" for empty series and escapes titles and names', () => {
    const svg = svgLineChart([{ name: '<b>', points: [] }], { title: 'a & b' });
    expect(svg).toContain('no data');
    expect(svg).toContain('a &amp; b');
    expect(svgLineChart([{ name: '<b>', points: [[0, 0]] }])).toContain('&lt;b&gt;');
  });

  it('refuses a colour that could break out of the attribute', () => {
    const svg = svgLineChart([{ name: 'a', points: [[0, 0], [1, 1]], color: 'red" onload="x' }]);
    expect(svg).not.toContain('onload');
  });
});
