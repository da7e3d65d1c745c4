/**
 * "Retraining and rollout" on the Monitor page: where the model's `production` alias
 * points and its canary split, and the latest retraining jobs — running (progress and
 * message), published (the gate's figures), refused by the gate (why), or failed (the
 * error and its code).
 */
import { el } from '../shell/dom.ts';
import type { Job, JobList, ModelDetail } from './sync-types.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function jobItem(job: Job): HTMLLIElement {
  const title = el('p', { class: 'job-title' }, el('strong', {}, `#${job.id} ${job.state}`), ` · ${job.payload.reason === 'alert' ? 'after a drift alert' : 'asked for'} · from ${job.payload.parentVersion ?? 'the alias'} · ${when.format(new Date(job.createdAt))}`);
  const item = el('li', { class: `job ${job.state}`, 'data-state': job.state }, title);
  if (job.state === 'running' || job.state === 'queued') {
    const bar = el('progress', { max: '1', value: String(job.progress), 'aria-label': `Job ${job.id} progress` });
    item.append(bar, el('p', { class: 'hint' }, job.message ?? 'waiting for a worker'));
  } else if (job.state === 'failed') {
    item.append(el('p', { class: 'error' }, `${job.error?.message ?? 'failed'} `, el('small', { class: 'error-detail' }, job.error?.code ?? '')));
  } else {
    const r = job.result ?? {};
    const gate = r.gate;
    const figures = gate ? ` Gate: test ${pct(gate.candidateTest)} (parent ${pct(gate.parentTest)}), feedback hold-out ${pct(gate.candidateFeedback)} (parent ${pct(gate.parentFeedback)}).` : '';
    const words = r.outcome === 'published' ? `Published ${r.version} on the canary.${figures}` : r.outcome === 'gate-failed' ? `Nothing published: ${gate?.reasons.join('; ') ?? ''}.${figures}` : `Skipped: ${r.reason ?? r.outcome ?? ''}`;
    item.append(el('p', { class: r.outcome === 'published' ? 'ok' : 'muted' }, words));
  }
  return item;
}

/** Draws the panel; hides it when the endpoint has no alias and no job for the model. */
export function renderRollout(model: ModelDetail, jobs: JobList): void {
  const panel = $('monitor-rollout');
  const production = model.aliases?.find((a) => a.alias === 'production');
  const aliases = model.aliases ?? [];
  $('rollout-aliases').replaceChildren(
    ...aliases.map((a) => el('li', {}, el('strong', {}, a.alias), ` → ${a.version}`, ...(a.canary ? [el('span', { class: 'tag canary' }, `canary ${a.canary.version} on ${a.canary.percent} % of devices`)] : []))),
  );
  $('rollout-aliases-empty').hidden = aliases.length > 0;
  $('rollout-jobs').replaceChildren(...jobs.jobs.map(jobItem));
  $('rollout-jobs-empty').hidden = jobs.jobs.length > 0;
  panel.dataset.canary = production?.canary ? production.canary.version : '';
  panel.hidden = false;
}

export function hideRollout(): void {
  $('monitor-rollout').hidden = true;
}
