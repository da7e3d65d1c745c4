/**
 * The Train page: choose data (the MNIST sample, an image folder, a CSV file) and a
 * model, train it in the trainer's worker with live charts and a progress bar with the
 * time left, stop it and resume it (after a reload too: the run's config is kept in
 * localStorage, its checkpoint in IndexedDB), then evaluate, distill, compress, install
 * and download the result (result-panel.ts).
 */
import './train.css';
import { isTrainerError } from '../../trainer/index.ts';
import { createTrainer, type TrainProgress, type Trainer } from '../../trainer/browser.ts';
import { busy } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { mountShell } from '../shell/shell.ts';
import { TrainingCharts } from './charts.ts';
import { csvColumns, loadCsvData, loadFolderData, loadMnistData, type DataChoice, type PreparedData } from './data-source.ts';
import { readModelChoice, syncKindFields, writeModelChoice } from './model-options.ts';
import { ResultPanel } from './result-panel.ts';
import { forgetRun, loadSavedRun, newRun, ProgressClock, saveRun, trainJob, type SavedRun } from './train-run.ts';

mountShell('train');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const progressBar = $<HTMLProgressElement>('train-progress');
const trainStatus = $('train-status');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const historyTable = $<HTMLTableElement>('history');

const charts = new TrainingCharts($('loss-chart'), $('accuracy-chart'));
const result = new ResultPanel();
let data: PreparedData | undefined;
let csvText: { name: string; text: string } | undefined;
let trainer: Trainer | undefined;
let controller: AbortController | undefined;

const getTrainer = () => (trainer ??= createTrainer());
const source = () => (document.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value ?? 'mnist') as DataChoice['source'];

// ### Data

function syncSourceFields(): void {
  for (const node of document.querySelectorAll<HTMLElement>('[data-source]')) node.hidden = node.dataset.source !== source();
}

async function readCsvFile(): Promise<void> {
  const file = $<HTMLInputElement>('csv').files?.[0];
  const select = $<HTMLSelectElement>('label-column');
  select.replaceChildren();
  select.disabled = true;
  csvText = undefined;
  if (!file) return select.add(new Option('Choose a file first', ''));
  try {
    const text = await file.text();
    const columns = csvColumns(text, file.name);
    for (const column of columns) select.add(new Option(column, column));
    // The label is most often the last column.
    select.value = columns.find((c) => /^(label|class|target|species|y)$/i.test(c)) ?? columns[columns.length - 1] ?? '';
    select.disabled = false;
    csvText = { name: file.name, text };
  } catch (error) {
    showErrorIn($('data-error'), error);
  }
}

function currentChoice(): DataChoice {
  switch (source()) {
    case 'folder':
      return { source: 'folder', size: Number($<HTMLSelectElement>('image-size').value), channels: Number($<HTMLSelectElement>('image-channels').value) as 1 | 3 };
    case 'csv':
      if (!csvText) throw new RangeError('Choose a CSV file first');
      return { source: 'csv', file: csvText.name, labelColumn: $<HTMLSelectElement>('label-column').value };
    default:
      return { source: 'mnist', count: Number($<HTMLSelectElement>('mnist-count').value) };
  }
}

async function prepare(choice: DataChoice): Promise<PreparedData> {
  if (choice.source === 'mnist') return loadMnistData(choice);
  if (choice.source === 'csv') {
    if (!csvText || csvText.name !== choice.file) throw new RangeError(`Choose the CSV file ${choice.file} again (a page cannot reopen a file by itself)`);
    return loadCsvData(csvText.text, choice);
  }
  const files = Array.from($<HTMLInputElement>('folder').files ?? []);
  if (files.length === 0) throw new RangeError('Choose an image folder first');
  return loadFolderData(files, choice);
}

async function loadData(choice: DataChoice): Promise<PreparedData | undefined> {
  const status = $('data-status');
  $('data-error').hidden = true;
  $<HTMLButtonElement>('load-data').disabled = true;
  status.textContent = 'Loading the data…';
  try {
    data = await busy(prepare(choice));
    status.textContent = data.summary;
    status.dataset.loaded = 'true';
    if (data.inputShape.length !== 3) $<HTMLSelectElement>('kind').value = 'mlp';
    syncKindFields();
    return data;
  } catch (error) {
    status.textContent = 'No data loaded.';
    showErrorIn($('data-error'), error);
    return undefined;
  } finally {
    $<HTMLButtonElement>('load-data').disabled = false;
  }
}

// ### Training

function addHistoryRow(e: Extract<TrainProgress, { kind: 'epoch' }> | SavedEpoch): void {
  historyTable.hidden = false;
  const body = historyTable.tBodies[0]!;
  const rows = [...body.rows];
  if (rows.some((r) => r.dataset.epoch === String(e.epoch))) return;
  // In epoch order: after a resume the epochs before it arrive last, with the outcome.
  const before = rows.findIndex((r) => Number(r.dataset.epoch) > e.epoch);
  const tr = body.insertRow(before);
  tr.dataset.epoch = String(e.epoch);
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = String(e.epoch);
  tr.append(th);
  const pct = (v?: number) => (v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);
  for (const text of [e.loss.toFixed(3), pct(e.accuracy), e.valLoss?.toFixed(3) ?? '—', pct(e.valAccuracy), `${(e.millis / 1000).toFixed(1)} s`]) tr.insertCell().textContent = text;
}
type SavedEpoch = { epoch: number; loss: number; accuracy: number; valLoss?: number; valAccuracy?: number; millis: number };

function setProgress(state: 'running' | 'done' | 'stopped' | 'failed', text: string, fraction?: number): void {
  progressBar.dataset.state = state;
  if (fraction !== undefined) progressBar.value = fraction;
  trainStatus.textContent = text;
}

async function train(run: SavedRun, resumeFrom: number): Promise<void> {
  if (!data) return;
  saveRun(run);
  $('resume-panel').hidden = true;
  $('train-error').hidden = true;
  result.reset();
  charts.clear();
  historyTable.tBodies[0]!.replaceChildren();
  historyTable.hidden = true;
  const abort = (controller = new AbortController());
  trainButton.disabled = true;
  stopButton.disabled = false;
  const clock = new ProgressClock();
  const started = performance.now();
  setProgress('running', resumeFrom ? `Resuming run ${run.runId} from epoch ${resumeFrom}…` : `Starting run ${run.runId}…`, 0);
  trainStatus.dataset.resumedFrom = String(resumeFrom);
  try {
    const outcome = await busy(
      getTrainer().train(trainJob(run, data), {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.kind === 'batch') charts.addBatch(p);
          if (p.kind === 'epoch') {
            charts.addEpoch(p);
            addHistoryRow(p);
          }
          const line = clock.update(p);
          if (line) setProgress('running', line.text, line.fraction);
        },
      }),
    );
    for (const e of outcome.history) {
      charts.addEpoch(e);
      addHistoryRow(e);
    }
    forgetRun();
    await getTrainer().clearCheckpoint(run.runId).catch((error: unknown) => console.warn('edgeloop: the finished run’s checkpoint could not be deleted', error));
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    trainStatus.dataset.resumedFrom = String(outcome.resumedFromEpoch);
    const resumed = outcome.resumedFromEpoch ? ` (resumed from epoch ${outcome.resumedFromEpoch})` : '';
    trainStatus.dataset.backend = outcome.backend;
    const why = outcome.backendReason ? ` (${outcome.backendReason})` : '';
    setProgress('done', `Done: ${outcome.history.length} epochs${resumed}, ${seconds} s in this session on ${outcome.backend}${why}.`, 1);
    result.showTrained(outcome, data, `trained ${run.model.kind.toUpperCase()}`);
  } catch (error) {
    if (isTrainerError(error, 'TRAINING_ABORTED')) {
      const info = await getTrainer().checkpointInfo(run.runId);
      setProgress('stopped', info ? `Stopped in epoch ${clock.epoch}. The checkpoint of epoch ${info.epoch} stays: Resume continues from it.` : 'Stopped before the first epoch ended: there is no checkpoint yet, so Resume starts again.');
      await offerResume();
    } else {
      setProgress('failed', 'Training failed.');
      showErrorIn($('train-error'), error);
    }
  } finally {
    controller = undefined;
    trainButton.disabled = false;
    stopButton.disabled = true;
  }
}

// ### Resume (also after a reload)

async function offerResume(): Promise<void> {
  const saved = loadSavedRun();
  if (!saved) return;
  const info = await getTrainer().checkpointInfo(saved.runId);
  const where = info ? `from epoch ${info.epoch} (saved ${new Date(info.savedAt).toLocaleString()})` : 'from the start (it stopped before its first checkpoint)';
  const on = saved.data.source === 'mnist' ? `${saved.data.count.toLocaleString('en')} MNIST digits` : saved.data.source === 'csv' ? saved.data.file : 'an image folder';
  $('resume-text').textContent = `Resume run ${saved.runId} ${where}: a ${saved.model.kind.toUpperCase()} on ${on}, ${saved.model.epochs} epochs.`;
  $('resume-text').dataset.epoch = String(info?.epoch ?? 0);
  $('resume-panel').hidden = false;
}

async function resume(): Promise<void> {
  const saved = loadSavedRun();
  if (!saved) return;
  writeModelChoice(saved.model);
  const info = await getTrainer().checkpointInfo(saved.runId);
  if (saved.data.source !== 'mnist' && saved.data.source !== data?.choice.source) {
    showErrorIn($('train-error'), new RangeError(`Choose the same ${saved.data.source === 'csv' ? 'CSV file' : 'image folder'} again and load it, then Resume`));
    return;
  }
  const ready = saved.data.source === 'mnist' ? await loadData(saved.data) : await loadData(currentChoice());
  if (ready) await train(saved, info?.epoch ?? 0);
}

async function discard(): Promise<void> {
  const saved = loadSavedRun();
  if (saved) await getTrainer().clearCheckpoint(saved.runId);
  forgetRun();
  $('resume-panel').hidden = true;
}

// ### Wiring

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="source"]')) radio.addEventListener('change', syncSourceFields);
$('csv').addEventListener('change', () => void readCsvFile());
$('kind').addEventListener('change', syncKindFields);
$('load-data').addEventListener('click', () => {
  try {
    void loadData(currentChoice());
  } catch (error) {
    showErrorIn($('data-error'), error);
  }
});
async function startNewRun(): Promise<void> {
  $('train-error').hidden = true;
  const model = readModelChoice();
  const choice = currentChoice();
  // Train loads the chosen data when it is not the data on screen.
  const ready = data && JSON.stringify(data.choice) === JSON.stringify(choice) ? data : await loadData(choice);
  if (!ready) return;
  // A new run replaces the unfinished one this page offered to resume: its checkpoint goes.
  const previous = loadSavedRun();
  if (previous) await getTrainer().clearCheckpoint(previous.runId);
  await train(newRun(ready.choice, model), 0);
}

trainButton.addEventListener('click', () => void startNewRun().catch((error: unknown) => showErrorIn($('train-error'), error)));
stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  trainStatus.textContent = 'Stopping after this batch…';
  controller?.abort();
});
$('resume').addEventListener('click', () => void resume().catch((error: unknown) => showErrorIn($('train-error'), error)));
$('discard').addEventListener('click', () => void discard().catch((error: unknown) => showErrorIn($('train-error'), error)));
syncSourceFields();
syncKindFields();
void offerResume().catch((error: unknown) => console.warn('edgeloop: could not look for an unfinished run', error));
