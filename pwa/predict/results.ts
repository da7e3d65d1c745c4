/** The prediction panel: top-k as bars with percentages, latency in the worker and round trip, and the backend. */
import type { Prediction } from '../../runtime/index.ts';

/** A score as a percentage with one decimal: `98.1 %`. */
export function percent(score: number): string {
  return `${(score * 100).toFixed(1)} %`;
}

/** Renders a prediction into the result panel. */
export function renderPrediction(prediction: Prediction, roundTripMs: number): void {
  const list = document.getElementById('top-k')!;
  list.replaceChildren(
    ...prediction.topK.map((k, rank) => {
      const item = document.createElement('li');
      item.className = rank === 0 ? 'top' : '';
      // One accessible text per row ("7 — 98.1 %"); the bar itself is decoration.
      const text = document.createElement('span');
      text.className = 'top-k-text';
      const label = document.createElement('span');
      label.className = 'top-k-label';
      label.textContent = k.label;
      const value = document.createElement('span');
      value.className = 'top-k-value';
      value.textContent = percent(k.score);
      const dash = document.createElement('span');
      dash.className = 'visually-hidden';
      dash.textContent = ' — ';
      text.append(label, dash, value);
      const track = document.createElement('span');
      track.className = 'bar-track';
      track.setAttribute('aria-hidden', 'true');
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0, Math.min(100, k.score * 100)).toFixed(1)}%`;
      track.append(bar);
      item.append(text, track);
      return item;
    }),
  );
  document.getElementById('result-empty')!.hidden = true;
  document.getElementById('latency')!.textContent =
    `${prediction.latencyMs.toFixed(1)} ms in the worker, ${roundTripMs.toFixed(1)} ms round trip, on ${prediction.backend}`;
}

/** Clears the result panel (another model, or the input cleared). */
export function clearPrediction(): void {
  document.getElementById('top-k')!.replaceChildren();
  document.getElementById('latency')!.textContent = '';
  document.getElementById('result-empty')!.hidden = false;
}
