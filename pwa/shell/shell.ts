/**
 * The app's frame around every page: the header with the four pages, the settings
 * sheet (registry, sync endpoint and token, telemetry, backend), the offline badge and
 * the update prompt; it registers the service worker. A page calls `mountShell('models')`
 * first, then fills its own `<main>`.
 */
import { BACKEND_IDS } from '../../runtime/index.ts';
import { el as element } from './dom.ts';
import { registerServiceWorker, type ServiceWorkerState } from './service-worker.ts';
import { applyServerDefaults, loadSettings, saveSettings, settingsProblem, type AppSettings } from './settings.ts';

export type AppPage = 'predict' | 'models' | 'train' | 'monitor';

const PAGES: ReadonlyArray<{ id: AppPage; href: string; label: string }> = [
  { id: 'predict', href: './', label: 'Predict' },
  { id: 'models', href: './models.html', label: 'Models' },
  { id: 'train', href: './train.html', label: 'Train' },
  { id: 'monitor', href: './monitor.html', label: 'Monitor' },
];

/** What the shell exposes for tests and for the curious (`window.edgeloopApp`). */
export interface AppHandle {
  version: string;
  page: AppPage;
  serviceWorker: ServiceWorkerState;
}

declare global {
  interface Window {
    edgeloopApp?: AppHandle;
  }
}

function header(page: AppPage, openSettings: () => void): HTMLElement {
  const nav = element('nav', { 'aria-label': 'Pages' });
  for (const entry of PAGES) {
    const link = element('a', { href: entry.href }, entry.label);
    if (entry.id === page) link.setAttribute('aria-current', 'page');
    nav.append(link);
  }
  const offline = element('span', { id: 'offline-badge', class: 'badge', role: 'status' }, 'Offline');
  const sync = () => (offline.hidden = navigator.onLine);
  window.addEventListener('online', sync);
  window.addEventListener('offline', sync);
  sync();
  const settingsButton = element('button', { id: 'settings-open', type: 'button', 'aria-haspopup': 'dialog', class: 'icon-button' }, 'Settings');
  settingsButton.addEventListener('click', openSettings);
  return element('header', { class: 'app-header' }, element('a', { class: 'brand', href: './' }, element('img', { src: './icons/icon-192.png', alt: '', width: '28', height: '28' }), 'edgeloop'), nav, offline, settingsButton);
}

/** A labelled input; its hint describes it (aria-describedby) without becoming part of its name. */
function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const node = element('div', { class: 'field' }, element('label', {}, label, input));
  if (hint) {
    const id = `${input.id}-hint`;
    input.setAttribute('aria-describedby', id);
    node.append(element('small', { class: 'hint', id }, hint));
  }
  return node;
}

function settingsSheet(): { dialog: HTMLDialogElement; open: () => void } {
  const registry = element('input', { id: 'settings-registry', type: 'url', inputmode: 'url', autocomplete: 'url', required: '' });
  const syncUrl = element('input', { id: 'settings-sync-url', type: 'url', inputmode: 'url', placeholder: 'https://sync.example.com' });
  const token = element('input', { id: 'settings-sync-token', type: 'password', autocomplete: 'off' });
  const monitorToken = element('input', { id: 'settings-monitor-token', type: 'password', autocomplete: 'off' });
  const telemetry = element('input', { id: 'settings-telemetry', type: 'checkbox' });
  const channel = element('input', { id: 'settings-channel', type: 'text', autocapitalize: 'off', spellcheck: 'false', placeholder: 'newest version' });
  const autoUpdate = element('input', { id: 'settings-auto-update', type: 'checkbox' });
  const backend = element('select', { id: 'settings-backend' });
  backend.add(new Option('auto (measure, keep the fastest)', 'auto'));
  for (const id of BACKEND_IDS) backend.add(new Option(id, id));
  const problem = element('p', { id: 'settings-error', role: 'alert', class: 'error' });
  problem.hidden = true;
  const save = element('button', { type: 'submit', value: 'save', class: 'primary' }, 'Save');
  const cancel = element('button', { type: 'button', value: 'cancel' }, 'Cancel');
  const telemetryLabel = element('label', { class: 'check' }, telemetry, 'Send drift telemetry (counts only, no inputs) to the sync endpoint');
  const form = element(
    'form',
    { method: 'dialog' },
    element('h2', { id: 'settings-heading' }, 'Settings'),
    field('Registry URL', registry, 'Where models are installed from: a folder with <name>/index.json.'),
    field('Sync endpoint', syncUrl, 'Telemetry, and the examples you choose to share, go here; the Monitor page reads drift from here. Empty: none.'),
    field('App token', token, 'Telemetry and shared examples are sent with it (kept on this device).'),
    field('Monitor token', monitorToken, 'An admin token of the endpoint, to read drift and alerts on Monitor. Empty: no Monitor.'),
    telemetryLabel,
    field('Channel', channel, 'The registry alias models are installed from and follow (production, beta…); empty: the newest version. On a sync endpoint its canary split decides which version this device gets.'),
    element('label', { class: 'check' }, autoUpdate, 'Update models automatically: look for a new version when a model loads, and use it from the next load'),
    field('Backend', backend),
    problem,
    element('p', { class: 'app-version' }, `edgeloop app ${__EDGELOOP_APP_VERSION__}`),
    element('div', { class: 'row' }, save, cancel),
  );
  const dialog = element('dialog', { id: 'settings-sheet', class: 'sheet', 'aria-labelledby': 'settings-heading' }, form);
  const fill = (settings: AppSettings) => {
    registry.value = settings.registryUrl;
    syncUrl.value = settings.syncUrl;
    token.value = settings.syncToken;
    monitorToken.value = settings.monitorToken;
    telemetry.checked = settings.telemetry;
    backend.value = settings.backend;
    channel.value = settings.channel;
    autoUpdate.checked = settings.autoUpdate;
  };
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    const patch: Partial<AppSettings> = {
      registryUrl: registry.value.trim(),
      syncUrl: syncUrl.value.trim().replace(/\/+$/, ''),
      syncToken: token.value.trim(),
      monitorToken: monitorToken.value.trim(),
      telemetry: telemetry.checked,
      backend: backend.value as AppSettings['backend'],
      channel: channel.value.trim(),
      autoUpdate: autoUpdate.checked,
    };
    const wrong = settingsProblem(patch);
    if (wrong) {
      event.preventDefault();
      problem.textContent = wrong;
      problem.hidden = false;
      return;
    }
    saveSettings(patch);
  });
  return {
    dialog,
    open: () => {
      fill(loadSettings());
      problem.hidden = true;
      dialog.showModal();
    },
  };
}

function updateBanner(): { node: HTMLElement; show: (message: string, accept: () => void) => void; hide: () => void } {
  const text = element('span', {});
  const reload = element('button', { id: 'update-reload', type: 'button', class: 'primary' }, 'Reload');
  const node = element('div', { id: 'update-prompt', class: 'toast', role: 'status', 'aria-live': 'polite' }, text, reload);
  node.hidden = true;
  let onAccept = () => undefined as void;
  reload.addEventListener('click', () => onAccept());
  return {
    node,
    show(message, accept) {
      text.textContent = `${message} — `;
      onAccept = accept;
      node.hidden = false;
    },
    hide: () => (node.hidden = true),
  };
}

/** Mounts the header, settings sheet and update prompt, and registers the service worker. */
export function mountShell(page: AppPage): AppHandle {
  const sheet = settingsSheet();
  const banner = updateBanner();
  document.body.prepend(header(page, sheet.open));
  document.body.append(sheet.dialog, banner.node);
  const handle: AppHandle = { version: __EDGELOOP_APP_VERSION__, page, serviceWorker: { supported: false, state: 'none', updateWaiting: false } };
  handle.serviceWorker = registerServiceWorker(banner, (state) => (handle.serviceWorker = state));
  window.edgeloopApp = handle;
  void applyServerDefaults();
  return handle;
}
