import { describe, expect, it } from 'vitest';
import { readWindowReport, windowReportText } from './window-report.ts';

describe('stored window reports', () => {
  it('keep the counts and the drifted signals, and none of the statistics', () => {
    const counts = { mean_intensity: [2, 12, 11, 8, 2, 0], confidence: [1, 3, 13] };
    const text = windowReportText(counts, [
      { name: 'mean_intensity', status: 'drift' },
      { name: 'confidence', status: 'ok' },
    ]);
    expect(JSON.parse(text)).toEqual({ counts, drifted: ['mean_intensity'] });
    expect(readWindowReport(text)).toEqual({ counts, drifted: ['mean_intensity'] });
    expect(readWindowReport(windowReportText(counts, [{ name: 'confidence', status: 'insufficient-data' }])).drifted).toEqual([]);
  });

  it('read the earlier form, with every signal\'s statistics, as it was written', () => {
    const counts = { a: [1, 2], b: [3, 4] };
    const earlier = JSON.stringify({
      signals: [
        { name: 'a', kind: 'binned', method: 'jensen-shannon', statistic: 0.4, threshold: 0.1, status: 'drift' },
        { name: 'b', kind: 'binned', method: 'jensen-shannon', statistic: 0.01, threshold: 0.1, status: 'ok' },
      ],
      counts,
    });
    expect(readWindowReport(earlier)).toEqual({ counts, drifted: ['a'] });
  });
});
