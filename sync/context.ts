/**
 * What every route module is given: the resolved configuration and the instance's
 * store, blobs, metrics and authenticator. One per server; nothing is global.
 */
import type { Authenticator, Principal, Role } from './auth.ts';
import type { BlobStore } from './blob-store.ts';
import type { SyncConfig } from './config.ts';
import type { AlertService } from './drift/alert-service.ts';
import type { VersionBaselines } from './drift/version-baselines.ts';
import type { SyncMetrics } from './metrics.ts';
import type { Store } from './store/store.ts';

export interface SyncContext {
  readonly config: SyncConfig;
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly metrics: SyncMetrics;
  readonly auth: Authenticator;
  /** Each published version's drift baseline, read once. */
  readonly baselines: VersionBaselines;
  /** The alert machine and webhook deliveries. */
  readonly alerts: AlertService;
  /** Tells this process's job worker, if it runs one, to look for work now. */
  readonly kickJobs: () => void;
}

declare module 'fastify' {
  interface FastifySchema {
    /** One line for `/openapi.json`. */
    summary?: string;
  }
  interface FastifyContextConfig {
    /** The role a route requires; checked in `onRequest`, before the body is read. */
    role?: Role;
  }
  interface FastifyRequest {
    /** Set by the auth hook on routes that require a role. */
    principal: Principal | null;
  }
}
