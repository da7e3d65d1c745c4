/**
 * The storage panel: how much of the origin's quota is used, whether the browser
 * promised to keep the data, and "Keep my data" (StorageManager.persist()).
 */
import type { StorageInfo } from '../../runtime/index.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { formatBytes } from '../shell/install-words.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The panel's controller: `show` the figures, and what to call to ask for persistence. */
export interface StoragePanel {
  show(info: StorageInfo): void;
}

/** Wires the panel; `persist` asks the browser and resolves to its answer. */
export function createStoragePanel(persist: () => Promise<boolean>): StoragePanel {
  const meter = $<HTMLMeterElement>('storage-meter');
  const text = $('storage-text');
  const persisted = $('storage-persisted');
  const keep = $<HTMLButtonElement>('storage-persist');
  const status = $('storage-status');

  const showPersisted = (yes: boolean) => {
    persisted.textContent = yes ? 'Kept: the browser will not clear this data to free space.' : 'Not kept: the browser may clear this data when the device runs short of space.';
    persisted.className = yes ? 'ok' : 'muted';
    keep.disabled = yes;
  };

  keep.addEventListener('click', () => {
    keep.disabled = true;
    status.textContent = 'Asking the browser…';
    void persist()
      .then((granted) => {
        showPersisted(granted);
        status.textContent = granted
          ? 'The browser agreed to keep this data.'
          : 'The browser said no for now. Browsers decide from how you use a site: installing the app to the home screen, or using it often, usually changes the answer.';
      })
      .catch((error: unknown) => {
        keep.disabled = false;
        showErrorIn(status, error);
      });
  });

  return {
    show(info) {
      const fraction = info.quota > 0 ? info.usage / info.quota : 0;
      meter.value = Math.min(1, fraction);
      text.textContent = info.quota > 0 ? `${formatBytes(info.usage)} used of ${formatBytes(info.quota)} (${(fraction * 100).toFixed(fraction < 0.01 ? 2 : 1)} %)` : `${formatBytes(info.usage)} used; the browser does not say how much more it allows.`;
      showPersisted(info.persisted);
    },
  };
}
