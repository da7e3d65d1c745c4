/** Ed25519 public keys compiled in by vite.config.ts. */
declare const __EDGELOOP_TRUSTED_KEYS__: string[];
