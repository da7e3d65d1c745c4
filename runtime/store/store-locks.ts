/**
 * The Web Locks of the model store, in one place: the name of each lock and how it is
 * taken. `install:<name>` serialises every change to one model's versions across tabs;
 * a shared `loaded:<name>@<version>` is held while a page has that version loaded, so
 * no tab evicts or removes it. https://w3c.github.io/web-locks/
 */

const installLockName = (name: string) => `edgeloop:install:${name}`;
const loadedLockName = (name: string, version: string) => `edgeloop:loaded:${name}@${version}`;

/** The store's locks, over `navigator.locks` (or another `LockManager`, for tests). */
export class StoreLocks {
  readonly #locks: LockManager;

  /** @param locks the lock manager. @defaultValue navigator.locks */
  constructor(locks: LockManager = navigator.locks) {
    this.#locks = locks;
  }

  /** Runs `work` holding the exclusive install lock of `name` (one change to a model's versions at a time, across tabs). */
  withInstallLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.#locks.request(installLockName(name), work) as Promise<T>;
  }

  /** Takes the shared "loaded" lock of `name@version`; it is held until the returned function is called. */
  async holdLoaded(name: string, version: string): Promise<() => void> {
    let unlock!: () => void;
    const held = new Promise<void>((resolve) => (unlock = resolve));
    await new Promise<void>((acquired) => {
      void this.#locks.request(loadedLockName(name, version), { mode: 'shared' }, () => {
        acquired();
        return held;
      });
    });
    return unlock;
  }

  /** True when some page (this one or another tab) has `name@version` loaded. */
  async isLoaded(name: string, version: string): Promise<boolean> {
    const { held = [] } = await this.#locks.query();
    return held.some((lock) => lock.name === loadedLockName(name, version));
  }
}
