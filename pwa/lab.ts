/**
 * The device-lab harness page: puts the runtime's public API on `window.edgeloop` so
 * Playwright specs and benchmarks can drive it in a real browser. It also records
 * main-thread long tasks from the moment the page starts.
 */
import * as edgeloop from '../runtime/index.ts';
import { createCompressor } from '../compress/browser.ts';
import { createTrainer, loadImageFiles } from '../trainer/browser.ts';
import { loadMnistSplit, loadTestDigits } from './test-digits.ts';
import { loadRawOrt } from './lab-raw-ort.ts';

const longTasks: Array<{ startTime: number; duration: number }> = [];
new PerformanceObserver((list) => {
  for (const { startTime, duration } of list.getEntries()) longTasks.push({ startTime, duration });
}).observe({ type: 'longtask', buffered: true });

const lab = { ...edgeloop, trustedKeys: __EDGELOOP_TRUSTED_KEYS__, loadTestDigits, loadMnistSplit, createTrainer, createCompressor, loadImageFiles, loadRawOrt, longTasks };
declare global {
  interface Window {
    edgeloop: typeof lab;
  }
}
window.edgeloop = lab;
document.body.dataset.ready = 'true';
