/**
 * One runtime per page, made from the app's settings (trusted keys compiled in, the
 * backend preference, telemetry when the user turned it on, the endpoint that shared
 * examples go to), and the page's record of
 * work in flight, so that an update never reloads the page under a prediction.
 */
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { loadSettings, onSettingsChange, type AppSettings } from './settings.ts';

/** Shared examples need an endpoint and its app token. */
export const canShareFeedback = (settings: AppSettings): boolean => settings.syncUrl !== '' && settings.syncToken !== '';

let current: { key: string; runtime: Promise<Runtime> } | undefined;

function runtimeKey(settings: AppSettings): string {
  return JSON.stringify([settings.telemetry, settings.syncUrl, settings.syncToken, settings.autoUpdate]);
}

/**
 * The page's runtime. It is made again (the old one disposed) when the telemetry
 * settings change; a page that holds a model should load it again on
 * {@link onRuntimeReplaced}.
 */
export function getRuntime(): Promise<Runtime> {
  const settings = loadSettings();
  const key = runtimeKey(settings);
  if (current?.key === key) return current.runtime;
  const previous = current?.runtime;
  const runtime = (async () => {
    await previous?.then((r) => r.dispose()).catch(() => undefined);
    return createRuntime({
      trustedKeys: __EDGELOOP_TRUSTED_KEYS__,
      updatePolicy: settings.autoUpdate ? 'background' : 'manual',
      ...(settings.telemetry && settings.syncUrl ? { telemetry: { endpoint: settings.syncUrl, token: settings.syncToken } } : {}),
      // Where examples go that the user chose to share ("Wrong?" with "Share" ticked); none leave without that.
      ...(canShareFeedback(settings) ? { feedback: { endpoint: settings.syncUrl, token: settings.syncToken } } : {}),
    });
  })();
  current = { key, runtime };
  runtime.catch(() => {
    if (current?.runtime === runtime) current = undefined;
  });
  return runtime;
}

/** Calls `listener` after the settings changed in a way that needs a new runtime (telemetry on/off, another endpoint or token). */
export function onRuntimeReplaced(listener: () => void): () => void {
  let key = runtimeKey(loadSettings());
  return onSettingsChange((settings) => {
    const next = runtimeKey(settings);
    if (next === key) return;
    key = next;
    listener();
  });
}

const inFlight = new Set<Promise<unknown>>();

/** Marks work the page must not lose to a reload (a prediction, an install, training); resolves as `work` does. */
export function busy<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

let updating = false;

/**
 * The user accepted an app update: the page reloads into the new version once no work
 * is in flight, so no new work starts meanwhile (it would only be cut by the reload, and
 * its requests keep the old service worker busy, which holds the new one back).
 */
export function beginUpdate(): void {
  updating = true;
}

/** Whether an accepted app update waits for the page to go idle (see {@link beginUpdate}). */
export function isUpdating(): boolean {
  return updating;
}

/** Resolves when no work marked with {@link busy} is in flight. */
export async function whenIdle(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** Whether work marked with {@link busy} is in flight now. */
export function isBusy(): boolean {
  return inFlight.size > 0;
}
