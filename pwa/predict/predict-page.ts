/**
 * The Predict page: load a package through the runtime, draw (or pick) a digit, and
 * see the prediction, the backend and why it was chosen, and the latency.
 */
import { createRuntime, isEdgeloopError, type BackendId, type LoadProgress, type Model, type Runtime } from '../../runtime/index.ts';
import models from '../models.json';
import { loadTestDigits } from '../test-digits.ts';
import { mountShell } from '../shell/shell.ts';

mountShell('predict');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('model');
const modelUrl = $<HTMLInputElement>('model-url');
const backendSelect = $<HTMLSelectElement>('backend');
const loadButton = $<HTMLButtonElement>('load');
const predictButton = $<HTMLButtonElement>('predict');
const progressBar = $<HTMLProgressElement>('load-progress');
const loadStatus = $('load-status');
const pad = $<HTMLCanvasElement>('pad');
const errorBox = $('error');

for (const entry of models) modelSelect.add(new Option(entry.label, entry.url));

let runtime: Runtime | undefined;
let model: Model | undefined;

function showError(error: unknown): void {
  errorBox.hidden = false;
  errorBox.textContent = isEdgeloopError(error) ? `${error.code}: ${error.message}` : String(error instanceof Error ? error.message : error);
}

function showProgress(progress: LoadProgress): void {
  progressBar.hidden = false;
  progressBar.value = progress.totalBytes ? progress.loadedBytes / progress.totalBytes : 0;
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  loadStatus.textContent =
    progress.phase === 'download'
      ? `Downloading and verifying ${kib(progress.loadedBytes)} / ${kib(progress.totalBytes)}`
      : progress.phase === 'backend'
        ? `Warming up ${progress.backend}…`
        : progress.phase === 'manifest'
          ? 'Reading the manifest…'
          : 'Ready';
}

async function load(): Promise<void> {
  errorBox.hidden = true;
  loadButton.disabled = true;
  predictButton.disabled = true;
  try {
    runtime ??= await createRuntime({ trustedKeys: __EDGELOOP_TRUSTED_KEYS__ });
    await model?.dispose();
    model = undefined;
    const url = modelUrl.value.trim() || modelSelect.value;
    model = await runtime.load(url, { backend: backendSelect.value as BackendId | 'auto', onProgress: showProgress });
    loadStatus.textContent = `Loaded ${model.manifest.name}@${model.manifest.version} in ${model.loadMs.toFixed(0)} ms`;
    progressBar.hidden = true;
    renderBackend();
    predictButton.disabled = false;
  } catch (error) {
    progressBar.hidden = true;
    loadStatus.textContent = 'Load failed';
    showError(error);
  } finally {
    loadButton.disabled = false;
  }
}

function renderBackend(): void {
  if (!model) return;
  $('backend-info').hidden = false;
  $('backend-name').textContent = model.backend.backend;
  $('backend-reason').textContent = `${model.backend.reason}; artifact ${model.backend.artifact} (${model.backend.artifactReason})`;
  const body = document.querySelector('#candidates tbody')!;
  body.replaceChildren(
    ...model.backend.candidates.map((c) => {
      const row = document.createElement('tr');
      for (const text of [c.backend, c.warmupMs === undefined ? '—' : c.warmupMs.toFixed(2), c.skipped ?? (c.backend === model!.backend.backend ? 'chosen' : '')]) {
        row.insertCell().textContent = text;
      }
      return row;
    }),
  );
}

async function predict(): Promise<void> {
  if (!model) return;
  errorBox.hidden = true;
  try {
    const started = performance.now();
    const prediction = await model.predict(pad, { topK: 3 });
    const roundTrip = performance.now() - started;
    $('top-k').replaceChildren(
      ...prediction.topK.map((k) => {
        const item = document.createElement('li');
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.style.width = `${(k.score * 100).toFixed(1)}%`;
        item.append(k.label, bar, `${(k.score * 100).toFixed(1)}%`);
        return item;
      }),
    );
    $('latency').textContent = `${prediction.backend}: ${prediction.latencyMs.toFixed(2)} ms in the worker, ${roundTrip.toFixed(2)} ms round trip`;
  } catch (error) {
    showError(error);
  }
}

// Drawing pad: white strokes on black, like MNIST.
const context = pad.getContext('2d')!;
function clearPad(): void {
  context.fillStyle = '#000';
  context.fillRect(0, 0, pad.width, pad.height);
}
let drawing = false;
pad.addEventListener('pointerdown', (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  context.beginPath();
  context.moveTo(event.offsetX, event.offsetY);
});
pad.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  context.lineWidth = 22;
  context.lineCap = 'round';
  context.strokeStyle = '#fff';
  context.lineTo(event.offsetX, event.offsetY);
  context.stroke();
});
pad.addEventListener('pointerup', () => {
  drawing = false;
  void predict();
});

let digits: ReturnType<typeof loadTestDigits> | undefined;

async function drawSample(): Promise<void> {
  digits ??= loadTestDigits();
  const { images } = await digits.catch((error: unknown) => {
    digits = undefined;
    throw error;
  });
  const image = images[Math.floor(Math.random() * images.length)]!;
  const digit = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(image[i]! * 255);
    digit.data.set([v, v, v, 255], i * 4);
  }
  const small = new OffscreenCanvas(28, 28);
  small.getContext('2d')!.putImageData(digit, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, pad.width, pad.height);
  await predict();
}

clearPad();
loadButton.addEventListener('click', () => void load());
predictButton.addEventListener('click', () => void predict());
$('clear').addEventListener('click', clearPad);
$('sample').addEventListener('click', () => void drawSample().catch(showError));
void load();
