/**
 * "Wrong? Tell us the right label": after a prediction, the user picks the right label
 * and the input is kept as a labelled example on this device (`model.feedback`, the
 * runtime's example store in IndexedDB). It leaves the device only when the user ticks
 * "Share this example" for it, and only when a sync endpoint is set in Settings. Shows
 * how many are kept, shared and sent, with a confirmed "Delete all".
 */
import type { Manifest, Model, Prediction } from '../../runtime/index.ts';
import { canShareFeedback, getRuntime } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { loadSettings, onSettingsChange } from '../shell/settings.ts';
import { pixelsAt } from './image-fit.ts';

/** The image size the model's preprocessing resizes to (what it really sees), else the canvas's own. */
export function modelImageSize(manifest: Manifest, fallback: { width: number; height: number }): { width: number; height: number } {
  const resize = manifest.input.preprocessing?.resize;
  if (resize) return resize;
  const shape = manifest.input.shape;
  const [h, w] = manifest.input.layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  return h && w && h > 0 && w > 0 ? { width: w, height: h } : fallback;
}

/** The labels the user can choose from: the manifest's (a model without labels takes no labelled examples). */
export function modelLabels(manifest: Manifest): string[] {
  return manifest.output.labels ?? [];
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
  const share = $<HTMLInputElement>('feedback-share');
  const shareHint = $('feedback-share-hint');
  let model: Model | undefined;
  let pending: { predicted: string; image: ImageData } | undefined;
  let confirming = false;

  /** Sharing needs somewhere to send to: a sync endpoint in Settings. */
  const syncShare = () => {
    const settings = loadSettings();
    const can = canShareFeedback(settings);
    share.disabled = !can;
    if (!can) share.checked = false;
    shareHint.textContent = can
      ? `Examples stay on this device unless you tick Share: then that one example — the image as the model sees it, the label and the model's answer — is sent to ${settings.syncUrl} to retrain the model. Nothing else about you or this device.`
      : 'Examples stay on this device. To share one for retraining, set a sync endpoint and its app token in Settings first.';
  };
  syncShare();
  onSettingsChange(syncShare);

  async function showCount(): Promise<void> {
    try {
      const feedback = (await getRuntime()).feedback;
      const all = await feedback.counts();
      const mine = model ? (await feedback.counts(model.manifest.name)).stored : 0;
      const shared = all.shared > 0 ? `; ${all.shared} shared (${all.sent} sent${all.pending ? `, ${all.pending} waiting for the network` : ''}${all.refused ? `, ${all.refused} refused by the endpoint` : ''})` : '';
      count.textContent = `${plural(all.stored)} stored on this device${model && all.stored > 0 ? ` (${mine} for ${model.manifest.name})` : ''}${shared}.`;
      count.dataset.count = String(all.stored);
      count.dataset.pending = String(all.pending);
      count.dataset.sent = String(all.sent);
      clear.disabled = all.stored === 0;
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
    const current = model;
    const { predicted, image } = pending;
    const label = select.value;
    const shared = share.checked && !share.disabled;
    errorBox.hidden = true;
    void (async () => {
      try {
        const receipt = await current.feedback(image, label, { share: shared, predicted });
        status.textContent = `${receipt.added ? 'Kept' : 'Already kept'} on this device: labelled “${label}” (the model said “${predicted}”)${receipt.shared ? ', and shared for retraining' : ''}.`;
        pending = undefined;
        share.checked = false;
        enable();
        await showCount();
        if (receipt.shared) await (await getRuntime()).feedback.flush().finally(() => void showCount());
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
        const deleted = await (await getRuntime()).feedback.clear();
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
