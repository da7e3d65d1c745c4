/** Ed25519 public keys compiled in by vite.config.ts. */
declare const __EDGELOOP_TRUSTED_KEYS__: string[];
/** The app's version string (package.json's, or EDGELOOP_APP_VERSION at build time). */
declare const __EDGELOOP_APP_VERSION__: string;
