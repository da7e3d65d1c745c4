/**
 * Renders the device-lab report as one self-contained HTML file: a table per profile,
 * inline SVG bar charts, screenshots as data URLs. No external resources.
 */
import type { LabReport, ModelFigures, ProfileReport } from './lab-report.ts';

const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function networkText(p: ProfileReport): string {
  if (typeof p.network === 'string') return p.network;
  return `${p.network.downloadKbps} kbit/s down, ${p.network.uploadKbps} up, ${p.network.latencyMs} ms`;
}

/** A horizontal bar chart of `rows` (label, value) in `unit`. */
export function barChart(title: string, unit: string, rows: ReadonlyArray<{ label: string; value: number }>): string {
  const width = 640;
  const bar = 18;
  const left = 260;
  const max = Math.max(1e-9, ...rows.map((r) => (Number.isFinite(r.value) ? r.value : 0)));
  const height = 28 + rows.length * (bar + 6);
  const bars = rows
    .map((r, i) => {
      const y = 24 + i * (bar + 6);
      const w = Number.isFinite(r.value) ? ((width - left - 80) * r.value) / max : 0;
      return `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(r.label)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="#3b6ea8"/><text x="${left + w + 4}" y="${y + 13}">${esc(num(r.value))} ${esc(unit)}</text>`;
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-size="12" font-family="sans-serif" role="img" aria-label="${esc(title)}"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${bars}</svg></figure>`;
}

function modelRows(m: ModelFigures): string {
  const rows: Array<[string, string]> = [
    ['backend', `${m.backend} — ${m.backendReason}`],
    ['artifact', `${m.artifact} — ${m.artifactReason}`],
    ['cold load (network)', `${num(m.coldLoadMs)} ms`],
    ['install into store', `${num(m.installMs)} ms`],
    ['warm load (store)', `${num(m.warmLoadMs)} ms`],
    ['offline load (store)', `${num(m.offlineLoadMs)} ms`],
    ['first prediction', `${num(m.firstPredictionMs)} ms`],
    [`predict p50 / p95 (${m.predictMs.runs} runs, ${m.predictBackend})`, `${num(m.predictMs.p50, 2)} / ${num(m.predictMs.p95, 2)} ms (worker ${num(m.workerPredictMs.p50, 2)} / ${num(m.workerPredictMs.p95, 2)} ms)`],
    [`parity vs tfjs-cpu (${m.parity.digits} digits)`, `top-1 ${num(m.parity.top1Agreement * 100, 0)} %, max |Δp| ${m.parity.maxAbsDeltaP.toExponential(2)}`],
    ['JS heap (page / workers)', `${num(m.heapUsedBytes / 2 ** 20)} / ${m.workerHeapUsedBytes === null ? '–' : num(m.workerHeapUsedBytes / 2 ** 20)} MiB`],
    ['long tasks > 50 ms', m.longTasks ? `${m.longTasks.count} (longest ${num(m.longTasks.maxMs, 0)} ms)` : 'not recorded'],
    ['registry requests cold / install / warm / offline', `${m.registryRequests.cold} / ${m.registryRequests.install} / ${m.registryRequests.warm} / ${m.registryRequests.offline}`],
  ];
  return `<h3>${esc(m.name)}@${esc(m.version)}</h3><table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

/** The CPU cell: rate asked, and (when throttled) how and the slowdown a worker measured. */
function cpuText(p: ProfileReport): string {
  const t = p.cpuThrottle;
  if (t === undefined || t.method === 'none') return `${p.cpuThrottlingRate}×`;
  return `${p.cpuThrottlingRate}× (${t.method}; worker measured ${num(t.workerSlowdown)}×)`;
}

function profileSection(p: ProfileReport, screenshots: ReadonlyMap<string, Buffer>): string {
  const throttle = p.cpuThrottle && p.cpuThrottle.method !== 'none' ? `<p class="facts">CPU throttling: ${esc(p.cpuThrottle.reason)}</p>` : '';
  const head = `<h2 id="${esc(p.id)}">${esc(p.id)}</h2><p>${esc(p.description)}</p>${throttle}<p class="facts">${esc(p.playwrightDevice)} · ${p.webgpu ? 'WebGPU' : 'no WebGPU'} · CPU ${esc(cpuText(p))} · network ${esc(networkText(p))} · edge target ${esc(p.target)}${p.webgpuReason ? ` · ${esc(p.webgpuReason)}` : ''}</p>`;
  if (p.error) return `<section>${head}<p class="error">failed: <code>${esc(p.error.code)}</code> ${esc(p.error.message)}</p></section>`;
  const shot = screenshots.get(p.id);
  const img = shot ? `<figure><img alt="Predict page on ${esc(p.id)}" src="data:image/png;base64,${shot.toString('base64')}"/><figcaption>Predict page</figcaption></figure>` : '';
  return `<section>${head}<div class="row"><div>${(p.models ?? []).map(modelRows).join('')}</div>${img}</div></section>`;
}

/** The report as one HTML document. */
export function renderReportHtml(report: LabReport, screenshots: ReadonlyMap<string, Buffer>): string {
  const measured = report.profiles.flatMap((p) => (p.models ?? []).map((m) => ({ p, m })));
  const label = ({ p, m }: { p: ProfileReport; m: ModelFigures }) => `${p.id} · ${m.name}`;
  const charts = [
    barChart('Predict p50 (page round trip)', 'ms', measured.map((x) => ({ label: label(x), value: x.m.predictMs.p50 }))),
    barChart('Cold load (network)', 'ms', measured.map((x) => ({ label: label(x), value: x.m.coldLoadMs }))),
    barChart('Warm load (store)', 'ms', measured.map((x) => ({ label: label(x), value: x.m.warmLoadMs }))),
  ].join('');
  const summary = report.profiles
    .map((p) => `<tr><td><a href="#${esc(p.id)}">${esc(p.id)}</a></td><td>${p.webgpu ? 'yes' : 'no'}</td><td>${esc(cpuText(p))}</td><td>${esc(networkText(p))}</td><td>${p.error ? `<span class="error">${esc(p.error.code)}</span>` : esc((p.models ?? []).map((m) => `${m.name}: ${m.backend}`).join(', '))}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeloop device lab</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1200px}
table{border-collapse:collapse;margin:6px 0 14px}th,td{border:1px solid #ccd3de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600}.row{display:flex;gap:24px;align-items:flex-start}.row img{width:240px;border:1px solid #ccd3de}
.error{color:#b00020;font-weight:600}.facts{color:#4a5568}section{border-top:2px solid #3b6ea8;margin-top:18px}figure{margin:8px 0}
</style></head><body>
<h1>edgeloop device lab</h1>
<p>${esc(report.date)} · ${esc(report.browser)} · ${report.runs} predictions per model · models: ${esc(report.models.join(', '))}</p>
<table><tr><th>profile</th><th>WebGPU</th><th>CPU</th><th>network</th><th>backends</th></tr>${summary}</table>
${charts}
${report.profiles.map((p) => profileSection(p, screenshots)).join('\n')}
</body></html>
`;
}
