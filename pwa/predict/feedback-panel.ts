/**
 * "Wrong? Tell us the right label": after a prediction, the user picks the right label
 * and the input (at the model's input size) is stored as a labelled example in the
 * device's feedback store — and nowhere else (see feedback-store.ts). Shows how many are
 * stored, with a confirmed "Delete all".
 */
import type { Manifest, Model, Prediction } from '../../runtime/index.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { openFeedbackStore, type FeedbackStore } from './feedback-store.ts';
import { pixelsAt } from './image-fit.ts';

/** The image size the model's preprocessing resizes to (what it really sees), else the canvas's own. */
export function modelImageSize(manifest: Manifest, fallback: { width: number; height: number }): { width: number; height: number } {
  const resize = manifest.input.preprocessing?.resize;
  if (resize) return resize;
  const shape = manifest.input.shape;
  const [h, w] = manifest.input.layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  return h && w && h > 0 && w > 0 ? { width: w, height: h } : fallback;
}

/** The labels the user can choose from: the manifest's, else the class indices. */
export function modelLabels(manifest: Manifest): string[] {
  if (manifest.output.labels?.length) return manifest.output.labels;
  const classes = manifest.output.shape.at(-1) ?? 0;
  return Array.from({ length: Math.max(0, classes) }, (_, i) => String(i));
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const plural = (n: number) => `${n} example${n === 1 ? '' : 's'}`;

/** The feedback panel's controller. */
export interface FeedbackPanel {
  /** The model changed (or none is loaded). */
  setModel(model: Model | undefined): void;
  /** A prediction was made from `input`: the example the user may label. */
  setPrediction(prediction: Prediction, input: HTMLCanvasElement): void;
  /** Forgets the prediction (the input changed or was cleared). */
  clearPrediction(): void;
}

export function createFeedbackPanel(): FeedbackPanel {
  const select = $<HTMLSelectElement>('feedback-label');
  const save = $<HTMLButtonElement>('feedback-save');
  const clear = $<HTMLButtonElement>('feedback-clear');
  const status = $('feedback-status');
  const count = $('feedback-count');
  const errorBox = $('feedback-error');
  let store: Promise<FeedbackStore> | undefined;
  let model: Model | undefined;
  let pending: { predicted: string; image: ImageData } | undefined;
  let confirming = false;

  const openStore = () => {
    store ??= openFeedbackStore().catch((error: unknown) => {
      store = undefined;
      throw error;
    });
    return store;
  };

  async function showCount(): Promise<void> {
    try {
      const feedback = await openStore();
      const all = await feedback.count();
      const mine = model ? await feedback.count(model.manifest.name) : 0;
      count.textContent = `${plural(all)} stored on this device${model && all > 0 ? ` (${mine} for ${model.manifest.name})` : ''}.`;
      count.dataset.count = String(all);
      clear.disabled = all === 0;
    } catch (error) {
      showErrorIn(errorBox, error);
    }
  }

  const enable = () => {
    const ready = model !== undefined && pending !== undefined;
    select.disabled = !ready;
    save.disabled = !ready;
  };

  $<HTMLFormElement>('feedback-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!model || !pending) return;
    const { manifest } = model;
    const { predicted, image } = pending;
    const label = select.value;
    errorBox.hidden = true;
    void (async () => {
      try {
        const feedback = await openStore();
        await feedback.add({ model: manifest.name, version: manifest.version, label, predicted, width: image.width, height: image.height, pixels: image.data });
        status.textContent = `Saved on this device: labelled “${label}” (the model said “${predicted}”).`;
        pending = undefined;
        enable();
        await showCount();
      } catch (error) {
        showErrorIn(errorBox, error);
      }
    })();
  });

  // "Delete all" asks once more in place (a second button), rather than a blocking confirm().
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.hidden = true;
  clear.after(cancel);
  const endConfirm = () => {
    confirming = false;
    clear.textContent = 'Delete all';
    cancel.hidden = true;
  };
  cancel.addEventListener('click', endConfirm);
  clear.addEventListener('click', () => {
    if (!confirming) {
      confirming = true;
      clear.textContent = `Yes, delete ${count.dataset.count ?? 'all'} from this device`;
      cancel.hidden = false;
      clear.focus();
      return;
    }
    endConfirm();
    void (async () => {
      try {
        const deleted = await (await openStore()).clear();
        status.textContent = `Deleted ${plural(deleted)}.`;
        await showCount();
      } catch (error) {
        showErrorIn(errorBox, error);
      }
    })();
  });

  void showCount();
  return {
    setModel(next) {
      model = next;
      pending = undefined;
      const labels = next ? modelLabels(next.manifest) : [];
      select.replaceChildren(...labels.map((label) => new Option(label, label)));
      enable();
      void showCount();
    },
    setPrediction(prediction, input) {
      if (!model) return;
      const size = modelImageSize(model.manifest, input);
      pending = { predicted: prediction.topK[0]?.label ?? '', image: pixelsAt(input, size.width, size.height) };
      // Offer the runner-up first: when the top answer is wrong, it is the likeliest right one.
      const guess = prediction.topK[1]?.label;
      if (guess !== undefined && [...select.options].some((o) => o.value === guess)) select.value = guess;
      status.textContent = '';
      enable();
    },
    clearPrediction() {
      pending = undefined;
      enable();
    },
  };
}
