/**
 * The model panel: pick an installed model (loaded by name from the IndexedDB model
 * store, so it works offline), or install a demo model from the registry in Settings
 * with one click, or (advanced) run a package straight from its manifest URL. It shows
 * the backend the runtime chose and why.
 */
import type { InstallProgress, LoadProgress, Model } from '../../runtime/index.ts';
import demoModels from '../models.json';
import { busy, getRuntime, isUpdating } from '../shell/app-runtime.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { installFraction, installPhaseWords, kib } from '../shell/install-words.ts';
import { channelOf, loadSettings } from '../shell/settings.ts';
import { hideBackend, renderBackend } from './backend-info.ts';

/** A demo model of pwa/models.json. */
interface DemoModel {
  name: string;
  label: string;
  description: string;
}

/** Where the model came from: a store name, or a manifest URL. */
export type ModelSource = { name: string } | { url: string };

/** The model panel's controller. */
export interface ModelPicker {
  /** The model loaded now, or undefined. */
  readonly model: Model | undefined;
  /** Reads the store, shows installed and demo models, and loads the chosen one. */
  refresh(): Promise<void>;
  /** Loads the current source again (another backend, a new runtime). */
  reload(): Promise<void>;
}

const LAST_MODEL_KEY = 'edgeloop.predict.model';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Creates the picker; `onModel` runs whenever the loaded model changes (undefined while none is). */
export function createModelPicker(onModel: (model: Model | undefined) => void): ModelPicker {
  const select = $<HTMLSelectElement>('model');
  const progress = $<HTMLProgressElement>('load-progress');
  const status = $('load-status');
  const errorBox = $('model-error');
  let model: Model | undefined;
  let source: ModelSource | undefined;
  let generation = 0;

  const showProgress = (fraction: number | undefined, words: string) => {
    progress.hidden = false;
    if (fraction === undefined) progress.removeAttribute('value');
    else progress.value = fraction;
    status.textContent = words;
  };
  const doneProgress = (words: string) => {
    progress.hidden = true;
    status.textContent = words;
  };

  async function unload(): Promise<void> {
    const old = model;
    model = undefined;
    onModel(undefined);
    hideBackend();
    // After a runtime was replaced its models are gone with it: disposing them fails, harmlessly.
    await old?.dispose().catch(() => undefined);
  }

  async function load(next: ModelSource): Promise<void> {
    // An accepted app update reloads the page as soon as it is idle: the new version loads the model.
    if (isUpdating()) return doneProgress('Updating the app; the model loads in the new version…');
    const mine = ++generation;
    source = next;
    errorBox.hidden = true;
    await unload();
    const label = 'name' in next ? next.name : next.url;
    const backend = loadSettings().backend;
    showProgress(undefined, `Loading ${label}…`);
    try {
      const runtime = await getRuntime();
      const onProgress = (p: LoadProgress) => {
        if (mine !== generation) return;
        if (p.phase === 'download') showProgress(p.totalBytes ? p.loadedBytes / p.totalBytes : undefined, `Reading ${label}: ${kib(p.loadedBytes)} / ${kib(p.totalBytes)}`);
        else if (p.phase === 'backend') showProgress(undefined, `Warming up ${p.backend ?? 'a backend'}…`);
        else if (p.phase === 'manifest') showProgress(undefined, `Reading the manifest of ${label}…`);
      };
      const loaded = await busy(runtime.load('name' in next ? next.name : next.url, { backend, onProgress }));
      if (mine !== generation) {
        await loaded.dispose().catch(() => undefined);
        return;
      }
      model = loaded;
      if ('name' in next) localStorage.setItem(LAST_MODEL_KEY, next.name);
      doneProgress(`Loaded ${loaded.manifest.name}@${loaded.manifest.version} in ${loaded.loadMs.toFixed(0)} ms`);
      renderBackend(loaded, backend);
      onModel(loaded);
    } catch (error) {
      if (mine !== generation) return;
      doneProgress(`Could not load ${label}.`);
      showErrorIn(errorBox, error);
    }
  }

  async function install(demo: DemoModel): Promise<void> {
    errorBox.hidden = true;
    const buttons = document.querySelectorAll<HTMLButtonElement>('#demo-list button');
    for (const button of buttons) button.disabled = true;
    showProgress(0, `Installing ${demo.label}…`);
    try {
      const runtime = await getRuntime();
      const onProgress = (p: InstallProgress) => showProgress(installFraction(p), `Installing ${demo.label}${p.version ? ` ${p.version}` : ''}: ${installPhaseWords(p)}`);
      const settings = loadSettings();
      const result = await busy(runtime.store.install(demo.name, { from: settings.registryUrl, ...channelOf(settings), onProgress }));
      doneProgress(`Installed ${result.name}@${result.version} (${kib(result.bytes)}) on this device.`);
      localStorage.setItem(LAST_MODEL_KEY, demo.name);
      await refresh();
    } catch (error) {
      doneProgress(`Could not install ${demo.label}.`);
      showErrorIn(errorBox, error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  function renderDemos(installed: readonly string[]): void {
    const missing = (demoModels as DemoModel[]).filter((demo) => !installed.includes(demo.name));
    $('demos').hidden = missing.length === 0;
    $('demos-intro').textContent =
      installed.length === 0
        ? 'No model is installed on this device yet. Install a demo model (it is stored on this device and works offline):'
        : 'More demo models:';
    $('demos-intro').className = installed.length === 0 ? 'empty' : 'muted';
    $('demo-list').replaceChildren(
      ...missing.map((demo) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = installed.length === 0 ? 'primary' : '';
        button.textContent = `Install ${demo.label}`;
        button.addEventListener('click', () => void install(demo));
        const about = document.createElement('small');
        about.className = 'hint';
        about.textContent = demo.description;
        item.append(button, about);
        return item;
      }),
    );
  }

  async function refresh(): Promise<void> {
    errorBox.hidden = true;
    let installed: string[];
    try {
      const runtime = await getRuntime();
      const names = await runtime.store.models();
      const withActive = await Promise.all(names.map(async (name) => ((await runtime.store.versions(name)).some((v) => v.active && v.state === 'complete') ? name : undefined)));
      installed = withActive.filter((name): name is string => name !== undefined);
    } catch (error) {
      showErrorIn(errorBox, error);
      return;
    }
    renderDemos(installed);
    $('installed').hidden = installed.length === 0;
    select.replaceChildren(...installed.map((name) => new Option(name, name)));
    if (installed.length === 0) {
      if (!source || 'name' in source) status.textContent = '';
      return;
    }
    const remembered = localStorage.getItem(LAST_MODEL_KEY);
    const chosen = remembered && installed.includes(remembered) ? remembered : installed[0]!;
    select.value = chosen;
    if (model && source && 'name' in source && source.name === chosen) return;
    await load({ name: chosen });
  }

  select.addEventListener('change', () => void load({ name: select.value }));
  $<HTMLFormElement>('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void load({ url: $<HTMLInputElement>('model-url').value.trim() });
  });

  return {
    get model() {
      return model;
    },
    refresh,
    reload: () => (source ? load(source) : refresh()),
  };
}
