/**
 * Progress callbacks that crossed the worker boundary (comlink proxies): wrapped so a
 * throwing or unreachable listener never fails the work, and released once the call
 * that took them is over.
 */
import { releaseProxy } from 'comlink';

/** Wraps a (possibly remote) progress callback so a throwing or unreachable listener never fails the work. */
export function safeCallback<T>(listener: ((value: T) => void) | undefined): (value: T) => void {
  if (!listener) return () => undefined;
  return (value) => {
    try {
      void Promise.resolve(listener(value)).catch((error: unknown) => console.warn('edgeloop: a progress listener failed', error));
    } catch (error) {
      console.warn('edgeloop: a progress listener failed', error);
    }
  };
}

/** Runs `work` with a safe version of `listener`, then releases the listener's comlink port. */
export async function withCallback<T, R>(listener: ((value: T) => void) | undefined, work: (report: (value: T) => void) => Promise<R>): Promise<R> {
  try {
    return await work(safeCallback(listener));
  } finally {
    const releaser = (listener as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy];
    if (typeof releaser === 'function') releaser();
  }
}
