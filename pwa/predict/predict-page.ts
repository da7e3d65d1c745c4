/**
 * The Predict page: an installed model (or a demo one, installed in one click), an input
 * drawn, photographed or captured from the camera, the top-k with bars, latency and
 * backend, and "Wrong? Tell us the right label" into the device's feedback store.
 */
import type { Model } from '../../runtime/index.ts';
import { busy, onRuntimeReplaced } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { onSettingsChange, loadSettings } from '../shell/settings.ts';
import { mountShell } from '../shell/shell.ts';
import { loadTestDigits } from '../test-digits.ts';
import { createCameraSource } from './camera-source.ts';
import { createDrawPad } from './draw-pad.ts';
import { createFeedbackPanel } from './feedback-panel.ts';
import { createInputTabs } from './input-tabs.ts';
import { createModelPicker } from './model-picker.ts';
import { createPhotoSource } from './photo-source.ts';
import './predict.css';
import { clearPrediction, renderPrediction } from './results.ts';

mountShell('predict');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const errorBox = $('error');
const invert = $<HTMLInputElement>('invert');
const TOP_K = 3;

const feedback = createFeedbackPanel();
let model: Model | undefined;
let predicting: Promise<void> | undefined;
let queued: HTMLCanvasElement | undefined;

/** Predicts `input`; while one prediction runs, only the latest input waits for the next. */
function predict(input: HTMLCanvasElement | undefined): void {
  if (!input || !model) return;
  if (predicting) {
    queued = input;
    return;
  }
  const current = model;
  errorBox.hidden = true;
  predicting = busy(
    (async () => {
      try {
        const started = performance.now();
        const prediction = await current.predict(input, { topK: TOP_K });
        if (current !== model) return;
        renderPrediction(prediction, performance.now() - started);
        // For `npm run bench -- app` (and anyone profiling the page): when the first answer showed.
        if (performance.getEntriesByName('edgeloop:first-prediction').length === 0) performance.mark('edgeloop:first-prediction');
        feedback.setPrediction(prediction, input);
      } catch (error) {
        showErrorIn(errorBox, error);
      }
    })(),
  ).finally(() => {
    predicting = undefined;
    const next = queued;
    queued = undefined;
    if (next) predict(next);
  });
}

const pad = createDrawPad($<HTMLCanvasElement>('pad'), () => {
  $('sample-label').textContent = '';
  predict(pad.empty ? undefined : $<HTMLCanvasElement>('pad'));
});

const photo = createPhotoSource({
  file: $<HTMLInputElement>('photo-file'),
  preview: $<HTMLCanvasElement>('photo-preview'),
  empty: $('photo-empty'),
  invert: () => invert.checked,
  onPhoto: (canvas) => predict(canvas),
  onError: (error) => showErrorIn(errorBox, error),
});

const camera = createCameraSource({
  video: $<HTMLVideoElement>('camera-video'),
  still: $<HTMLCanvasElement>('camera-still'),
  start: $<HTMLButtonElement>('camera-start'),
  capture: $<HTMLButtonElement>('camera-capture'),
  status: $('camera-status'),
  error: $('camera-error'),
  invert: () => invert.checked,
  onCapture: (canvas) => predict(canvas),
});

/** The input of the selected tab, if it has one yet. */
function currentInput(): HTMLCanvasElement | undefined {
  if (tabs.current === 'draw') return pad.empty ? undefined : $<HTMLCanvasElement>('pad');
  if (tabs.current === 'photo') return photo.canvas;
  return camera.frame;
}

const tabs = createInputTabs((tab, left) => {
  if (left === 'camera') camera.stop();
  // Inverting is for photos of ink on paper; the pad is already white on black.
  invert.closest('label')!.hidden = tab === 'draw';
  clearPrediction();
  feedback.clearPrediction();
  predict(currentInput());
});
invert.closest('label')!.hidden = true;
invert.addEventListener('change', () => {
  photo.redraw();
  if (tabs.current === 'photo') predict(photo.canvas);
});

$('clear').addEventListener('click', () => {
  pad.clear();
  $('sample-label').textContent = '';
  clearPrediction();
  feedback.clearPrediction();
});

let digits: ReturnType<typeof loadTestDigits> | undefined;
$('sample').addEventListener('click', () => {
  digits ??= loadTestDigits(200);
  void digits
    .then(({ images, labels }) => {
      const at = Math.floor(Math.random() * images.length);
      pad.drawDigit(images[at]!);
      const label = $('sample-label');
      label.textContent = `Test digit #${at}, labelled ${labels[at]}.`;
      label.dataset.label = String(labels[at]);
      predict($<HTMLCanvasElement>('pad'));
    })
    .catch((error: unknown) => {
      digits = undefined;
      showErrorIn(errorBox, error);
    });
});

const picker = createModelPicker((next) => {
  model = next;
  feedback.setModel(next);
  clearPrediction();
  $('top-k').setAttribute('aria-busy', String(next === undefined));
  if (next) predict(currentInput());
});

let backend = loadSettings().backend;
onSettingsChange((settings) => {
  if (settings.backend === backend) return;
  backend = settings.backend;
  void picker.reload();
});
onRuntimeReplaced(() => void picker.reload());
// Every control answers from here on (the model loads behind them).
performance.mark('edgeloop:interactive');
void picker.refresh();
