/**
 * The install form: a registry URL (Settings' by default), a model name (the registry's
 * demo models suggested) and an optional version; a progress bar with the phase in
 * words; Cancel aborts (what was verified stays stored, so the next try resumes).
 */
import type { InstallProgress } from '../../runtime/index.ts';
import { isPackageName, isVersion, PACKAGE_NAME_EXPECTED, VERSION_EXPECTED } from '../../format/index.ts';
import demoModels from '../models.json';
import { showErrorIn } from '../shell/error-words.ts';
import { installFraction, installPhaseWords } from '../shell/install-words.ts';
import { loadSettings, onSettingsChange, settingsProblem } from '../shell/settings.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the form asks the page to do; resolves to the words to show when done. */
export type InstallRequest = (request: { name: string; from: string; version?: string; signal: AbortSignal; onProgress: (progress: InstallProgress) => void }) => Promise<string>;

/** Wires the form. */
export function createInstallForm(install: InstallRequest): void {
  const form = $<HTMLFormElement>('install-form');
  const registry = $<HTMLInputElement>('install-registry');
  const name = $<HTMLInputElement>('install-name');
  const version = $<HTMLInputElement>('install-version');
  const submit = $<HTMLButtonElement>('install-submit');
  const cancel = $<HTMLButtonElement>('install-cancel');
  const progress = $<HTMLProgressElement>('install-progress');
  const status = $('install-status');
  const errorBox = $('install-error');

  $('install-names').replaceChildren(...(demoModels as Array<{ name: string; label: string }>).map((demo) => new Option(demo.label, demo.name)));
  registry.value = loadSettings().registryUrl;
  onSettingsChange((settings) => {
    if (!submit.disabled) registry.value = settings.registryUrl;
  });

  let controller: AbortController | undefined;
  cancel.addEventListener('click', () => controller?.abort());

  /** What is wrong with the form, in words, with the field to focus. */
  const problem = (): { field: HTMLInputElement; words: string } | undefined => {
    const url = registry.value.trim();
    if (!url) return { field: registry, words: 'Give the registry URL: the folder that holds <name>/index.json.' };
    const wrongUrl = settingsProblem({ registryUrl: url });
    if (wrongUrl) return { field: registry, words: wrongUrl };
    if (!isPackageName(name.value.trim())) return { field: name, words: `“${name.value.trim()}” is not a model name: ${PACKAGE_NAME_EXPECTED}.` };
    const v = version.value.trim();
    if (v && !isVersion(v)) return { field: version, words: `“${v}” is not a version: use ${VERSION_EXPECTED}, or leave it empty for the latest.` };
    return undefined;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    for (const field of [registry, name, version]) field.removeAttribute('aria-invalid');
    const wrong = problem();
    if (wrong) {
      errorBox.textContent = wrong.words;
      errorBox.hidden = false;
      wrong.field.setAttribute('aria-invalid', 'true');
      wrong.field.focus();
      return;
    }
    const from = new URL(registry.value.trim().replace(/\/*$/, '/'), location.href).href;
    const modelName = name.value.trim();
    const v = version.value.trim() || undefined;
    controller = new AbortController();
    submit.disabled = true;
    cancel.hidden = false;
    progress.hidden = false;
    progress.removeAttribute('value');
    status.textContent = `Installing ${modelName}${v ? ` ${v}` : ''}…`;
    install({
      name: modelName,
      from,
      version: v,
      signal: controller.signal,
      onProgress: (p) => {
        const fraction = installFraction(p);
        if (fraction === undefined) progress.removeAttribute('value');
        else progress.value = fraction;
        status.textContent = `Installing ${modelName}${p.version ? ` ${p.version}` : ''}: ${installPhaseWords(p)}`;
      },
    })
      .then((words) => {
        status.textContent = words;
      })
      .catch((error: unknown) => {
        status.textContent = `Could not install ${modelName}.`;
        showErrorIn(errorBox, error);
      })
      .finally(() => {
        controller = undefined;
        submit.disabled = false;
        cancel.hidden = true;
        progress.hidden = true;
      });
  });
}
