/**
 * The Result panel: the trained model's evaluation (test accuracy, per class), then what
 * to do with it — distill it into a smaller student, compress it for edge targets,
 * install it on this device, download it. Every step runs in a worker and inside
 * `busy()`, so an app update never reloads the page under it.
 */
import { parseManifest } from '../../format/index.ts';
import type { TrainOutcome } from '../../trainer/browser.ts';
import { busy } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { chosenTargets, compressPackage, formatBytes, renderReport, renderTargets } from './compress-panel.ts';
import type { PreparedData } from './data-source.ts';
import { runDistillation } from './distill-client.ts';
import { parseHidden } from './model-options.ts';
import { downloadBytes, installOnDevice, packageZip, type PackageOnScreen } from './package-actions.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

interface PerClass {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

function perClassOf(reportJson: Uint8Array | undefined): PerClass[] {
  if (!reportJson) return [];
  const report = JSON.parse(new TextDecoder().decode(reportJson)) as { classification?: { perClass?: PerClass[] } };
  return report.classification?.perClass ?? [];
}

function packageSize(pkg: PackageOnScreen): number {
  let bytes = pkg.manifestBytes.length;
  for (const data of pkg.files.values()) bytes += data.length;
  return bytes;
}

export class ResultPanel {
  #data: PreparedData | undefined;
  /** The package compression starts from (trained or distilled, never already compressed). */
  #base: PackageOnScreen | undefined;
  /** The package install and download take. */
  #current: PackageOnScreen | undefined;
  /** The model just trained: the teacher of a distillation. */
  #teacher: PackageOnScreen | undefined;

  constructor() {
    renderTargets($<HTMLFieldSetElement>('targets'));
    $('distill').addEventListener('click', () => void this.#distill());
    $('compress').addEventListener('click', () => void this.#compress());
    $('install').addEventListener('click', () => void this.#install());
    $('download').addEventListener('click', () => this.#download());
  }

  /** Forgets the previous result (a new run started). */
  reset(): void {
    this.#data = this.#base = this.#current = this.#teacher = undefined;
    $('result').hidden = true;
    $('result-empty').hidden = false;
  }

  /** Shows a finished run: its evaluation and its package. */
  showTrained(outcome: TrainOutcome, data: PreparedData, what: string): void {
    this.#data = data;
    $('result-empty').hidden = true;
    $('result').hidden = false;
    for (const id of ['distill-status', 'compress-status', 'install-status']) $(id).textContent = '';
    for (const id of ['distill-error', 'compress-error', 'install-error']) $(id).hidden = true;
    $('compress-report').hidden = true;
    const epochs = outcome.history.length;
    $('evaluation').textContent =
      `Test accuracy ${percent(outcome.testAccuracy)} on ${data.test.y.length.toLocaleString('en')} held-out examples` +
      ` (${epochs} epoch${epochs === 1 ? '' : 's'} on ${outcome.backend}${outcome.resumedFromEpoch ? `, resumed from epoch ${outcome.resumedFromEpoch}` : ''}).`;
    $('evaluation').dataset.accuracy = String(outcome.testAccuracy);
    this.#renderPerClass(perClassOf(outcome.package?.reportJson));
    if (!outcome.package) {
      this.#base = this.#current = this.#teacher = undefined;
      $('package-line').textContent = 'The trainer packages image classifiers only: this tabular model was trained and evaluated here, but there is no package to distill, compress, install or download yet.';
      this.#enable(false);
      return;
    }
    const pkg = this.#onScreen(outcome.package, what);
    this.#base = this.#current = this.#teacher = pkg;
    this.#showPackage();
    this.#enable(true);
  }

  #onScreen(pkg: NonNullable<TrainOutcome['package']>, what: string): PackageOnScreen {
    const manifest = parseManifest(pkg.manifestBytes);
    return {
      name: manifest.name,
      version: manifest.version,
      manifestBytes: pkg.manifestBytes,
      files: pkg.files,
      what,
      reports: new Map([
        ['report.json', pkg.reportJson],
        ['report.html', pkg.reportHtml],
      ]),
    };
  }

  #enable(on: boolean): void {
    for (const id of ['distill', 'compress', 'install', 'download']) $<HTMLButtonElement>(id).disabled = !on;
  }

  #showPackage(): void {
    const pkg = this.#current!;
    const artifacts = parseManifest(pkg.manifestBytes).artifacts.map((a) => a.id);
    $('package-line').textContent = `${pkg.name}@${pkg.version} · ${pkg.what} · ${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'} (${artifacts.join(', ')}) · ${formatBytes(packageSize(pkg))}`;
  }

  #renderPerClass(rows: PerClass[]): void {
    const details = $<HTMLDetailsElement>('per-class-details');
    details.hidden = rows.length === 0;
    const body = $<HTMLTableElement>('per-class').tBodies[0]!;
    body.replaceChildren();
    for (const r of rows) {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = r.label;
      tr.append(th);
      for (const text of [percent(r.precision), percent(r.recall), r.f1.toFixed(3), String(r.support)]) tr.insertCell().textContent = text;
    }
  }

  async #run(button: string, errorBox: string, work: () => Promise<void>): Promise<void> {
    $(errorBox).hidden = true;
    this.#enable(false);
    $(button).setAttribute('aria-busy', 'true');
    try {
      await busy(work());
    } catch (error) {
      showErrorIn($(errorBox), error);
    } finally {
      $(button).removeAttribute('aria-busy');
      this.#enable(this.#current !== undefined);
    }
  }

  #distill(): Promise<void> {
    return this.#run('distill', 'distill-error', async () => {
      const teacher = this.#teacher!;
      const data = this.#data!;
      const hidden = parseHidden($<HTMLInputElement>('student-hidden').value, 'Student hidden units');
      const epochs = Number($<HTMLInputElement>('student-epochs').value);
      if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError('Student epochs must be a positive whole number');
      const status = $('distill-status');
      status.textContent = 'Starting the distillation…';
      const outcome = await runDistillation(
        {
          teacher,
          student: { kind: 'mlp', inputShape: data.inputShape, hidden, classes: data.labels.length, seed: 2 },
          name: `${teacher.name}-student`.slice(0, 64),
          version: teacher.version,
          train: data.train,
          validation: data.validation,
          test: data.test,
          options: { epochs, batchSize: 32, learningRate: 0.002, seed: 2 },
          temperature: 4,
          alpha: 0.7,
        },
        (p) => {
          if (p.kind === 'batch') status.textContent = `Distilling: epoch ${p.epoch} / ${p.epochs} · batch ${p.batch} / ${p.totalBatches}`;
        },
      );
      const student = this.#onScreen(outcome.package, `student MLP (${hidden.join(', ')}) distilled from ${teacher.name}`);
      status.textContent =
        `Student: test accuracy ${percent(outcome.testAccuracy)} (teacher ${percent(outcome.teacherAccuracy)}), ` +
        `${formatBytes(packageSize(student))} against the teacher's ${formatBytes(packageSize(teacher))}. Compress, install and download now take the student.`;
      Object.assign(status.dataset, { accuracy: String(outcome.testAccuracy), bytes: String(packageSize(student)), teacherBytes: String(packageSize(teacher)) });
      this.#base = this.#current = student;
      $('compress-report').hidden = true;
      $('compress-status').textContent = '';
      this.#showPackage();
    });
  }

  #compress(): Promise<void> {
    return this.#run('compress', 'compress-error', async () => {
      const targets = chosenTargets($<HTMLFieldSetElement>('targets'));
      if (targets.length === 0) throw new RangeError('Tick at least one edge target to compress for');
      const base = this.#base!;
      const status = $('compress-status');
      status.textContent = `Compressing ${base.name} for ${targets.join(', ')}…`;
      const outcome = await compressPackage(base, targets, this.#data!, (message) => (status.textContent = message));
      renderReport($<HTMLTableElement>('compress-report'), outcome.report);
      const reports = new Map(base.reports);
      reports.set('compress-report.json', new TextEncoder().encode(`${JSON.stringify(outcome.report, null, 2)}\n`));
      this.#current = { ...base, manifestBytes: outcome.package.manifestBytes, files: outcome.package.files, what: `${base.what}, compressed for ${targets.join(', ')}`, reports };
      status.textContent = `Compressed for ${targets.join(', ')}: the package now holds the fp32 model and ${outcome.report.entries.length} smaller artifact${outcome.report.entries.length === 1 ? '' : 's'}.`;
      this.#showPackage();
    });
  }

  #install(): Promise<void> {
    return this.#run('install', 'install-error', async () => {
      const pkg = this.#current!;
      const status = $('install-status');
      status.textContent = `Installing ${pkg.name}@${pkg.version}…`;
      const result = await installOnDevice(pkg);
      const link = document.createElement('a');
      link.href = './';
      link.textContent = 'Try it on Predict';
      status.replaceChildren(`Installed ${result.name}@${result.version} (${formatBytes(result.bytes)}) on this device and made it the active version. `, link);
    });
  }

  #download(): void {
    const pkg = this.#current;
    if (!pkg) return;
    try {
      downloadBytes(packageZip(pkg), `${pkg.name}-${pkg.version}.zip`, 'application/zip');
      $('install-status').textContent = `Downloaded ${pkg.name}-${pkg.version}.zip.`;
    } catch (error) {
      showErrorIn($('install-error'), error);
    }
  }
}
