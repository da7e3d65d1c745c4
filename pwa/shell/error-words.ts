/**
 * Errors as the app shows them: what happened in words a user can act on, with the
 * stable code (runtime, trainer, compressor) beside it for a bug report.
 */

export interface ErrorWords {
  /** The stable code (`QUOTA_EXCEEDED`), or undefined for an error without one. */
  code?: string;
  /** What happened and what to do, in words. */
  words: string;
  /** The error's own message (the detail behind the words). */
  detail: string;
}

const WORDS: Readonly<Record<string, string>> = {
  QUOTA_EXCEEDED: 'This device has no room left for the model. Remove a version you no longer need (Models), or ask the browser to keep more data.',
  SIGNATURE_INVALID: 'The package’s signature does not match its contents: it was changed after it was signed. Nothing was installed; the version you had stays.',
  SIGNATURE_UNTRUSTED: 'The package is signed by a publisher this app does not trust. Nothing was installed; the version you had stays.',
  SIGNATURE_MISSING: 'The package is not signed, and this app only installs signed packages. Nothing was installed.',
  INTEGRITY_MISMATCH: 'A file of the package is not the one its manifest names (it was corrupted or changed in transit). Nothing was installed; the version you had stays.',
  MANIFEST_INVALID: 'The package’s manifest is not a valid edgeloop manifest.',
  MANIFEST_TOO_LARGE: 'The package’s manifest is too large to be one.',
  FETCH_FAILED: 'The registry could not be reached. Check the connection and the registry URL in Settings.',
  NOT_FOUND: 'The registry has no such model or file. Check the name and the registry URL in Settings.',
  INDEX_INVALID: 'The registry’s index for this model is not valid.',
  INDEX_EXPIRED: 'The registry’s index is older than the one already seen (a replay or a stale mirror); nothing was changed.',
  ROLLBACK_REFUSED: 'There is no earlier version on this device to go back to.',
  VERSION_NOT_FOUND: 'The registry has no such version of this model.',
  NOT_INSTALLED: 'That model or version is not on this device.',
  VERSION_ACTIVE: 'That version is the active one: activate another before removing it.',
  VERSION_IN_USE: 'That version is open in another tab or page: close it there first.',
  STORE_UNAVAILABLE: 'The browser’s storage (IndexedDB) is not available here — private browsing may block it.',
  NO_COMPATIBLE_ARTIFACT: 'The package has no build this device can run.',
  BACKEND_UNAVAILABLE: 'The chosen backend is not available on this device; choose “auto” in Settings.',
  WEBGPU_UNAVAILABLE: 'WebGPU is not available on this device; choose “auto” or a wasm backend in Settings.',
  ALL_BACKENDS_FAILED: 'No backend on this device could run the model.',
  MODEL_LOAD_FAILED: 'The model could not be loaded.',
  INFERENCE_FAILED: 'The prediction failed.',
  INPUT_INVALID: 'The input is not what the model takes.',
  ABORTED: 'Stopped.',
};

/** Words for any thrown value; a coded error keeps its code. */
export function describeError(error: unknown): ErrorWords {
  const detail = error instanceof Error ? error.message : String(error);
  const raw = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  const code = typeof raw === 'string' ? raw : undefined;
  // An error that carries its own words (the Monitor page's endpoint errors) keeps them.
  const own = error instanceof Error ? (error as Error & { words?: unknown }).words : undefined;
  if (code) return { code, words: typeof own === 'string' ? own : (WORDS[code] ?? detail), detail };
  if (error instanceof DOMException && error.name === 'QuotaExceededError') return { code: 'QUOTA_EXCEEDED', words: WORDS.QUOTA_EXCEEDED!, detail };
  return { words: detail, detail };
}

/** Puts an error into an element (role="alert" is the caller's): words, then the code and detail in small print. */
export function showErrorIn(element: HTMLElement, error: unknown): ErrorWords {
  const described = describeError(error);
  const words = document.createElement('span');
  words.textContent = described.words;
  const small = document.createElement('small');
  small.className = 'error-detail';
  small.textContent = [described.code, described.detail !== described.words ? described.detail : ''].filter(Boolean).join(': ');
  element.replaceChildren(words, ...(small.textContent ? [document.createElement('br'), small] : []));
  element.dataset.code = described.code ?? '';
  element.hidden = false;
  return described;
}
