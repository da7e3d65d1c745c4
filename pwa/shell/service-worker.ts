/**
 * Registers the app's service worker (workbox-window) and turns a waiting update into
 * a visible prompt: "A new version is ready — Reload". Accepting stops new work from
 * starting (`beginUpdate`: a model load after an install would otherwise keep the old
 * worker busy and the new one waiting) and waits for work in flight (a prediction, an
 * install, training: `busy()`), then sends skip-waiting and
 * reloads once when the new worker takes control. Nothing reloads silently: when another
 * tab accepts, this one shows the prompt again instead of reloading under the user.
 */
import { Workbox } from 'workbox-window';
import { beginUpdate, whenIdle } from './app-runtime.ts';

export interface UpdatePrompt {
  /** Shows the prompt; `accept` runs when the user chooses Reload. */
  show(message: string, accept: () => void): void;
  hide(): void;
}

/** The registration's state, for the page and the tests (`window.edgeloopApp`). */
export interface ServiceWorkerState {
  supported: boolean;
  /** 'installing' | 'installed' | 'activating' | 'activated' | 'redundant', or 'none'. */
  state: string;
  updateWaiting: boolean;
  error?: string;
}

export function registerServiceWorker(prompt: UpdatePrompt, onState: (state: ServiceWorkerState) => void): ServiceWorkerState {
  const status: ServiceWorkerState = { supported: 'serviceWorker' in navigator, state: 'none', updateWaiting: false };
  if (!status.supported) return status;
  const changed = () => onState({ ...status });
  const wb = new Workbox('./sw.js', { scope: './' });
  let accepted = false;

  const offer = () => {
    status.updateWaiting = true;
    changed();
    prompt.show('A new version is ready', () => {
      accepted = true;
      beginUpdate();
      prompt.show('Updating when the work in progress is done…', () => undefined);
      void whenIdle().then(() => {
        // The new worker takes control → `controlling` → one reload.
        wb.messageSkipWaiting();
      });
    });
  };

  wb.addEventListener('waiting', offer);
  wb.addEventListener('controlling', (event) => {
    if (accepted) return void location.reload();
    // Another tab accepted the update: this page still runs the old code; say so.
    if (event.isUpdate) prompt.show('A new version is running in another tab', () => location.reload());
  });
  const track = (sw: ServiceWorker | undefined) => {
    if (!sw) return;
    status.state = sw.state;
    changed();
    sw.addEventListener('statechange', () => {
      status.state = sw.state;
      changed();
    });
  };
  wb.addEventListener('installed', (event) => track(event.sw));
  wb.addEventListener('activated', (event) => track(event.sw));
  wb.register()
    .then((registration) => {
      track(registration?.active ?? registration?.waiting ?? registration?.installing ?? undefined);
      // Look for a new app version when the page comes back to the front.
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') void wb.update().catch(() => undefined);
      });
    })
    .catch((error: unknown) => {
      status.error = error instanceof Error ? error.message : String(error);
      changed();
    });
  return status;
}
