/**
 * The app's settings (the settings sheet): where models come from, where telemetry and
 * the Monitor page's figures come from, and how the runtime runs. Kept in localStorage,
 * on this device only; every page reads the same ones.
 */
import { isAliasName } from '../../format/index.ts';
import { isBackendId, type BackendId } from '../../runtime/index.ts';

export interface AppSettings {
  /** Registry base URL: the folder holding `<name>/index.json` (a static registry) or `<endpoint>/v1/registry/`. */
  registryUrl: string;
  /** Base URL of the sync endpoint (telemetry, the Monitor page); '' when none is set. */
  syncUrl: string;
  /** The endpoint's app token: telemetry is sent with it. */
  syncToken: string;
  /** A token allowed to read drift and alerts (the endpoint's admin token), for the Monitor page; '' when none. */
  monitorToken: string;
  /** Send drift telemetry (counts only, docs/TELEMETRY.md) to the sync endpoint. Off unless the user turns it on. */
  telemetry: boolean;
  /** Which backend the runtime uses: 'auto' measures and keeps the fastest. */
  backend: BackendId | 'auto';
  /**
   * The registry alias models are installed from and then follow (`production`, say: on a
   * sync endpoint, its canary split decides this device's side); '' for the newest version.
   */
  channel: string;
  /** Look for a model's new version whenever it loads and install it for next time (the store's `background` update policy). */
  autoUpdate: boolean;
}

const KEY = 'edgeloop.settings.v1';
const EVENT = 'edgeloop:settings';
const DEFAULTS_ASKED = 'edgeloop.settings.server-defaults';

export function defaultSettings(): AppSettings {
  return {
    registryUrl: new URL('/fixtures/registry/', location.origin).href,
    syncUrl: '',
    syncToken: '',
    monitorToken: '',
    telemetry: false,
    backend: 'auto',
    channel: '',
    autoUpdate: false,
  };
}

/** The settings now, defaults filled in for anything missing or malformed. */
export function loadSettings(): AppSettings {
  const defaults = defaultSettings();
  let stored: Partial<Record<keyof AppSettings, unknown>> = {};
  try {
    stored = (JSON.parse(localStorage.getItem(KEY) ?? '{}') as typeof stored) ?? {};
  } catch {
    stored = {};
  }
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);
  return {
    registryUrl: text(stored.registryUrl, defaults.registryUrl) || defaults.registryUrl,
    syncUrl: text(stored.syncUrl, defaults.syncUrl),
    syncToken: text(stored.syncToken, defaults.syncToken),
    monitorToken: text(stored.monitorToken, defaults.monitorToken),
    telemetry: typeof stored.telemetry === 'boolean' ? stored.telemetry : defaults.telemetry,
    backend: stored.backend === 'auto' || (typeof stored.backend === 'string' && isBackendId(stored.backend)) ? (stored.backend as AppSettings['backend']) : defaults.backend,
    channel: typeof stored.channel === 'string' && isAliasName(stored.channel) ? stored.channel : defaults.channel,
    autoUpdate: typeof stored.autoUpdate === 'boolean' ? stored.autoUpdate : defaults.autoUpdate,
  };
}

/** What is wrong with a settings patch, in words, or `undefined` when it is fine. */
export function settingsProblem(patch: Partial<AppSettings>): string | undefined {
  for (const key of ['registryUrl', 'syncUrl'] as const) {
    const value = patch[key];
    if (value === undefined || value === '') continue;
    let url: URL;
    try {
      url = new URL(value, location.href);
    } catch {
      return `${key === 'registryUrl' ? 'The registry URL' : 'The sync endpoint'} is not a URL: ${JSON.stringify(value)}. Use one like https://models.example.com/registry/.`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${key === 'registryUrl' ? 'The registry URL' : 'The sync endpoint'} must start with https:// (or http:// for a local one).`;
  }
  if (patch.telemetry && !(patch.syncUrl ?? loadSettings().syncUrl)) return 'Telemetry needs a sync endpoint: set one first.';
  if (patch.channel !== undefined && patch.channel !== '' && !isAliasName(patch.channel)) return `The channel ${JSON.stringify(patch.channel)} is not an alias name: lower-case letters, digits and dashes, starting with a letter (production, beta…), or empty for the newest version.`;
  return undefined;
}

/** Install options for the settings' channel: `{ alias }` when one is set. */
export const channelOf = (settings: AppSettings): { alias?: string } => (settings.channel ? { alias: settings.channel } : {});

/** Saves a patch (after {@link settingsProblem} says it is fine) and tells every listener on this page and in other tabs. */
export function saveSettings(patch: Partial<AppSettings>): AppSettings {
  const problem = settingsProblem(patch);
  if (problem) throw new TypeError(problem);
  const next: AppSettings = { ...loadSettings(), ...patch };
  if (next.registryUrl && !next.registryUrl.endsWith('/')) next.registryUrl += '/';
  localStorage.setItem(KEY, JSON.stringify(next));
  window.dispatchEvent(new CustomEvent(EVENT, { detail: next }));
  return next;
}

/**
 * First-run settings from the server, when it offers them (`npm start` writes
 * `demo-config.json` pointing at its local endpoint): taken once, and only when this
 * device has no saved settings yet — a user's own settings always win.
 */
export async function applyServerDefaults(): Promise<void> {
  // Asked once per device, online: a server without the file answers 404 once, not on every page.
  if (localStorage.getItem(KEY) !== null || localStorage.getItem(DEFAULTS_ASKED) !== null || !navigator.onLine) return;
  let offered: Partial<Record<keyof AppSettings, unknown>>;
  try {
    const response = await fetch('./demo-config.json', { cache: 'no-store' });
    localStorage.setItem(DEFAULTS_ASKED, String(response.status));
    if (!response.ok) return;
    offered = (await response.json()) as typeof offered;
  } catch {
    return; // offline or not served: the built-in defaults stay
  }
  if (localStorage.getItem(KEY) !== null) return;
  const patch: Partial<AppSettings> = {};
  for (const key of ['registryUrl', 'syncUrl', 'syncToken', 'monitorToken', 'channel'] as const) if (typeof offered[key] === 'string') patch[key] = offered[key];
  if (typeof offered.telemetry === 'boolean') patch.telemetry = offered.telemetry;
  if (typeof offered.autoUpdate === 'boolean') patch.autoUpdate = offered.autoUpdate;
  if (settingsProblem(patch) === undefined) saveSettings(patch);
}

/** Calls `listener` whenever the settings change (here or in another tab); returns the unsubscribe. */
export function onSettingsChange(listener: (settings: AppSettings) => void): () => void {
  const local = () => listener(loadSettings());
  const other = (event: StorageEvent) => {
    if (event.key === KEY) listener(loadSettings());
  };
  window.addEventListener(EVENT, local);
  window.addEventListener('storage', other);
  return () => {
    window.removeEventListener(EVENT, local);
    window.removeEventListener('storage', other);
  };
}
