/**
 * "Try the loop: simulate drift" on the Monitor page: this device becomes a drifting one.
 * It installs the chosen model from the registry in Settings (following its channel)
 * when it is not on the device yet, predicts 2,000 held-out digits turned a quarter turn
 * with drift telemetry on, shares 300 of them labelled right (the user pressed the button
 * that says so), and sends both at once. Shown only when telemetry is on and examples can
 * be shared (a sync endpoint and its app token are set).
 */
import { busy, canShareFeedback, getRuntime } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { channelOf, loadSettings } from '../shell/settings.ts';
import { loadMnistSplit } from '../test-digits.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const DIGITS = 2000;
const SHARED = 300;
const CHUNK = 100;

/** A 28×28 digit turned a quarter turn clockwise, as raw 0..255 pixels. */
function rotated(x: Float32Array, offset: number): Float32Array {
  const out = new Float32Array(784);
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[c * 28 + (27 - r)] = x[offset + r * 28 + c]! * 255;
  return out;
}

/** Wires the panel; `model()` names the model chosen on the page; `done()` runs after a simulation (refresh the dashboard). */
export function createDriftSimulator(model: () => string, done: () => void): { sync(): void } {
  const panel = $('simulate');
  const run = $<HTMLButtonElement>('simulate-run');
  const progress = $<HTMLProgressElement>('simulate-progress');
  const status = $('simulate-status');
  const errorBox = $('simulate-error');
  const show = (fraction: number, words: string) => {
    progress.hidden = false;
    progress.value = fraction;
    status.textContent = words;
  };

  run.addEventListener('click', () => {
    const name = model();
    if (!name) return;
    run.disabled = true;
    errorBox.hidden = true;
    void busy(
      (async () => {
        const runtime = await getRuntime();
        const installed = await runtime.store.models();
        if (!installed.includes(name)) {
          const settings = loadSettings();
          show(0, `Installing ${name} from ${settings.registryUrl}…`);
          await runtime.store.install(name, { from: settings.registryUrl, ...channelOf(settings) });
        }
        const loaded = await runtime.load(name);
        try {
          show(0.05, 'Reading held-out digits…');
          const splits = await Promise.all([loadMnistSplit('validation'), loadMnistSplit('test')]);
          const digits = splits.flatMap(({ x, y, count }) => Array.from({ length: count }, (_, i) => ({ data: rotated(x, i * 784), label: String(y[i]) }))).slice(0, DIGITS);
          let wrong = 0;
          for (let start = 0; start < digits.length; start += CHUNK) {
            const chunk = digits.slice(start, start + CHUNK);
            const predictions = await loaded.predictBatch(chunk.map((d) => ({ data: d.data, shape: [28, 28, 1] })));
            wrong += predictions.filter((p, i) => p.topK[0]?.label !== chunk[i]!.label).length;
            show(0.05 + (0.65 * (start + chunk.length)) / digits.length, `Predicted ${start + chunk.length} of ${digits.length} turned digits with ${loaded.manifest.name}@${loaded.manifest.version}: ${wrong} wrong so far.`);
          }
          for (let i = 0; i < Math.min(SHARED, digits.length); i++) {
            await loaded.feedback({ data: digits[i]!.data, shape: [28, 28, 1] }, digits[i]!.label, { share: true });
            if (i % 20 === 19) show(0.7 + (0.25 * (i + 1)) / SHARED, `Shared ${i + 1} of ${SHARED} labelled examples…`);
          }
          show(0.97, 'Sending telemetry and examples to the endpoint…');
          const [telemetry, feedback] = await Promise.all([runtime.telemetry.flush(), runtime.feedback.flush()]);
          const examples = await runtime.feedback.counts(name);
          progress.hidden = true;
          status.textContent = `Done: ${digits.length} turned digits predicted (${wrong} wrong), ${telemetry.acceptedEvents} telemetry windows and ${examples.sent} labelled examples taken by the endpoint${feedback.pending ? ` (${feedback.pending} still waiting)` : ''}. Refresh in a minute to see the drift and the alert.`;
        } finally {
          await loaded.dispose();
        }
      })(),
    )
      .catch((error: unknown) => {
        progress.hidden = true;
        status.textContent = '';
        showErrorIn(errorBox, error);
      })
      .finally(() => {
        run.disabled = false;
        done();
      });
  });

  const sync = () => {
    const settings = loadSettings();
    panel.hidden = !(settings.telemetry && canShareFeedback(settings));
  };
  sync();
  return { sync };
}
