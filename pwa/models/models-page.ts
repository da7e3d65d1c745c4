/**
 * The Models page: every model in the on-device store with its versions; install from a
 * registry with progress, check for updates, activate, roll back, pin, remove; storage
 * used of the quota and "Keep my data". Every store call runs in the runtime's worker
 * under the store's locks; errors are shown in words with their code, and a failed
 * install or update keeps the version that was active.
 */
import type { InstalledVersion, Runtime } from '../../runtime/index.ts';
import { busy, getRuntime, onRuntimeReplaced } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { formatBytes } from '../shell/install-words.ts';
import { channelOf, loadSettings } from '../shell/settings.ts';
import { mountShell } from '../shell/shell.ts';
import { createInstallForm } from './install-form.ts';
import { renderModelCard, type CardActions, type CardState } from './model-card.ts';
import './models.css';
import { createStoragePanel } from './storage-panel.ts';

mountShell('models');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = $('model-list');
const empty = $('models-empty');
const pageStatus = $('models-status');
const pageError = $('models-error');
const checkAll = $<HTMLButtonElement>('check-all');

/** The store's records, and what the page knows beyond them, per model. */
let models: Array<{ name: string; versions: InstalledVersion[] }> = [];
const states = new Map<string, CardState>();
const stateOf = (name: string): CardState => states.get(name) ?? states.set(name, {}).get(name)!;

const storage = createStoragePanel(async () => (await getRuntime()).store.persist());

/** The control that had focus when an action disabled it: focus goes back to it when it is enabled again. */
let pendingFocus: string | undefined;

/** Renders every card, keeping keyboard focus on the same control (or its card's heading while that is disabled). */
function render(): void {
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const key = active?.dataset.key ?? (active?.closest('[data-model]') ? pendingFocus : undefined);
  const card = active?.closest<HTMLElement>('[data-model]')?.dataset.model;
  list.replaceChildren(...models.map(({ name, versions }) => renderModelCard(name, versions, stateOf(name), actions)));
  empty.hidden = models.length > 0;
  checkAll.hidden = !models.some(({ versions }) => versions.some((v) => v.source !== 'local:'));
  pendingFocus = undefined;
  if (!key) return;
  const same = list.querySelector<HTMLButtonElement>(`[data-key="${CSS.escape(key)}"]`);
  if (same && !same.disabled) same.focus();
  else if (card) {
    pendingFocus = key;
    document.getElementById(`model-${card}-heading`)?.focus();
  }
}

/** Reads the store (and the storage figures) again and re-renders. */
async function refresh(): Promise<void> {
  try {
    const runtime = await getRuntime();
    const names = await runtime.store.models();
    models = await Promise.all(names.map(async (name) => ({ name, versions: await runtime.store.versions(name) })));
    for (const name of states.keys()) if (!names.includes(name)) states.delete(name);
    pageError.hidden = true;
    render();
    storage.show(await runtime.store.storage());
  } catch (error) {
    showErrorIn(pageError, error);
  }
}

/**
 * Runs one action on a model's store entry: its buttons are disabled meanwhile, the page
 * will not reload under it (an app update waits), the result or the error is shown on
 * its card, and the store is read again.
 */
async function act(name: string, working: string, work: (runtime: Runtime) => Promise<string>): Promise<void> {
  const state = stateOf(name);
  Object.assign(state, { working: true, status: working, error: undefined, confirmRemove: undefined });
  render();
  try {
    state.status = await busy(getRuntime().then(work));
  } catch (error) {
    state.status = undefined;
    state.error = error;
  } finally {
    state.working = false;
  }
  await refresh();
}

/** Asks the registry the model came from whether a newer version is out. */
const checkForUpdate = (name: string): Promise<void> =>
  act(name, `Checking ${name} for updates…`, async (runtime) => {
    const check = await runtime.store.checkForUpdate(name);
    stateOf(name).update = check;
    return check.updateAvailable ? '' : `Checked ${new Date().toLocaleTimeString()}.`;
  });

const actions: CardActions = {
  checkForUpdate: (name) => void checkForUpdate(name),
  install: (name, from, version) =>
    void act(name, `Installing ${name} ${version}…`, async (runtime) => {
      const result = await runtime.store.install(name, {
        from,
        version,
        onProgress: (p) => {
          const state = stateOf(name);
          state.status = `Installing ${name} ${version}: ${p.totalBytes ? `${Math.round((100 * p.loadedBytes) / p.totalBytes)} %` : p.phase}`;
          const line = list.querySelector(`[data-model="${CSS.escape(name)}"] .card-status`);
          if (line) line.textContent = state.status;
        },
      });
      stateOf(name).update = undefined;
      return `Installed ${result.version} (${formatBytes(result.bytes)}) and made it active; Predict uses it from its next load.${result.evicted.length ? ` Removed to make room: ${result.evicted.join(', ')}.` : ''}`;
    }),
  rollback: (name) =>
    void act(name, `Rolling ${name} back…`, async (runtime) => {
      const version = await runtime.store.rollback(name);
      stateOf(name).update = undefined;
      return `Rolled back: ${version} is active again.`;
    }),
  activate: (name, version) =>
    void act(name, `Activating ${name} ${version}…`, async (runtime) => {
      await runtime.store.activate(name, version);
      return `${version} is active.`;
    }),
  pin: (name, version, pinned) =>
    void act(name, `${pinned ? 'Pinning' : 'Unpinning'} ${version}…`, async (runtime) => {
      await runtime.store.pin(name, version, pinned);
      return pinned ? `${version} is pinned: it will not be removed to make room.` : `${version} is no longer pinned.`;
    }),
  askRemove: (name, version) => {
    stateOf(name).confirmRemove = version;
    render();
  },
  remove: (name, version) =>
    void act(name, `Removing ${version}…`, async (runtime) => {
      await runtime.store.remove(name, version);
      return `Removed ${version} from this device.`;
    }),
};

checkAll.addEventListener('click', () => {
  const names = models.filter(({ versions }) => versions.some((v) => v.active && v.source !== 'local:')).map(({ name }) => name);
  pageStatus.textContent = `Checking ${names.length} model${names.length === 1 ? '' : 's'} for updates…`;
  void Promise.all(names.map(checkForUpdate)).then(() => (pageStatus.textContent = ''));
});

createInstallForm(async ({ name, from, version, signal, onProgress }) => {
  const runtime = await getRuntime();
  try {
    // Without a version: the channel in Settings (an alias this model then follows), else the newest.
    const result = await busy(runtime.store.install(name, { from, version, signal, onProgress, ...(version ? {} : channelOf(loadSettings())) }));
    stateOf(name).update = undefined;
    return result.alreadyInstalled
      ? `${result.name} ${result.version} was already on this device; it is the active version now.`
      : `Installed ${result.name} ${result.version} (${formatBytes(result.bytes)}) and made it active.${result.reusedFiles ? ` ${result.reusedFiles} file(s) were already stored from an interrupted try.` : ''}${result.evicted.length ? ` Removed to make room: ${result.evicted.join(', ')}.` : ''}`;
  } finally {
    await refresh();
  }
});

onRuntimeReplaced(() => void refresh());
// Another tab (Predict's demo install, Train's "Install") may change the store: read it again when the page is shown.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refresh();
});
void refresh();
