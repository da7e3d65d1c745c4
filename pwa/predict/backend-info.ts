/** The backend a model runs on, why the runtime chose it, and every candidate it weighed. */
import type { Model } from '../../runtime/index.ts';

/** Shows `model.backend` (backend, reason, artifact, candidates) under the model panel. */
export function renderBackend(model: Model, preference: string): void {
  const report = model.backend;
  document.getElementById('backend-info')!.hidden = false;
  document.getElementById('backend-name')!.textContent = report.backend;
  document.getElementById('backend-preference')!.textContent = preference === 'auto' ? '(Settings: auto)' : `(Settings: ${preference})`;
  document.getElementById('backend-reason')!.textContent = `${report.reason}; artifact ${report.artifact} (${report.artifactReason})`;
  document.querySelector('#candidates tbody')!.replaceChildren(
    ...report.candidates.map((candidate) => {
      const row = document.createElement('tr');
      const note = candidate.skipped ?? (candidate.backend === report.backend ? 'chosen' : '');
      for (const text of [candidate.backend, candidate.warmupMs === undefined ? '—' : candidate.warmupMs.toFixed(2), note]) row.insertCell().textContent = text;
      if (candidate.backend === report.backend) row.className = 'chosen';
      return row;
    }),
  );
}

/** Hides the backend section (no model loaded). */
export function hideBackend(): void {
  document.getElementById('backend-info')!.hidden = true;
}
