/**
 * "Compress for targets": a checkbox per edge target of devices/targets.json, the
 * compressor worker run on the current package, and its report table (per artifact:
 * target, size, share of the fp32 size, accuracy, top-1 agreement with the fp32 model).
 */
import { createCompressor, type CompressOutcome } from '../../compress/browser.ts';
import { loadEdgeTargets } from '../../devices/index.ts';
import type { TrainerSet } from '../../trainer/browser.ts';

/** Targets ticked at first: the phone without WebGPU (int8), which every phone can run. */
const DEFAULT_TARGETS = new Set(['phone-wasm']);

/** Fills `fieldset` with one labelled checkbox per edge target. */
export function renderTargets(fieldset: HTMLFieldSetElement): void {
  for (const target of loadEdgeTargets()) {
    const label = document.createElement('label');
    label.className = 'check';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'target';
    box.value = target.id;
    box.checked = DEFAULT_TARGETS.has(target.id);
    const text = document.createElement('span');
    const name = document.createElement('strong');
    name.textContent = target.id;
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = target.description;
    text.append(name, hint);
    label.append(box, text);
    fieldset.append(label);
  }
}

/** The ids of the ticked targets. */
export function chosenTargets(fieldset: HTMLFieldSetElement): string[] {
  return [...fieldset.querySelectorAll<HTMLInputElement>('input[name="target"]:checked')].map((box) => box.value);
}

/** Compresses `pkg` for `targets` in the compressor worker (stopped afterwards). */
export async function compressPackage(
  pkg: { manifestBytes: Uint8Array; files: ReadonlyMap<string, Uint8Array> },
  targets: string[],
  data: { train: TrainerSet; test: TrainerSet },
  onProgress: (message: string) => void,
): Promise<CompressOutcome> {
  const compressor = createCompressor();
  try {
    return await compressor.compress({ manifestBytes: pkg.manifestBytes, files: pkg.files, targets, test: data.test, train: data.train }, { onProgress });
  } finally {
    compressor.dispose();
  }
}

/** "12.3 KiB", "1.4 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** A fraction as a percentage; `—` where there is none (accuracy of an evaluation without labels). */
const percent = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);

/** Fills the report table: the fp32 model first, then one row per new artifact. */
export function renderReport(table: HTMLTableElement, report: CompressOutcome['report']): void {
  const body = table.tBodies[0]!;
  body.replaceChildren();
  const first = report.entries[0];
  const row = (cells: string[], header = false) => {
    const tr = body.insertRow();
    cells.forEach((text, i) => {
      const cell = document.createElement(i === 0 || header ? 'th' : 'td');
      if (i === 0) cell.setAttribute('scope', 'row');
      cell.textContent = text;
      tr.append(cell);
    });
    return tr;
  };
  if (first) row(['fp32 (reference)', 'tfjs-fp32', formatBytes(first.fp32Bytes), '100 %', percent(first.fp32Accuracy), '—']).className = 'reference';
  for (const e of report.entries) {
    const tr = row([e.target, e.artifact, formatBytes(e.bytes), percent(e.bytesRatio), percent(e.accuracy), percent(e.top1Agreement)]);
    tr.dataset.bytes = String(e.bytes);
    tr.dataset.fp32Bytes = String(e.fp32Bytes);
    tr.dataset.target = e.target;
  }
  table.hidden = false;
}
