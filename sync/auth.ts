/**
 * Bearer-token authentication. Tokens are kept only as SHA-256 digests and looked up
 * by the digest of what the client sends, so the comparison does not leak through
 * timing how much of a token matched. A token's identity in logs and alias history is
 * a short prefix of that digest, never the token.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SyncError } from './errors.ts';

/** What a route requires. Admin tokens may also do what app tokens may. */
export type Role = 'admin' | 'app';

/** Who sent a request. */
export interface Principal {
  role: Role;
  /** `admin:<12 hex>` / `app:<12 hex>`. */
  id: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** The bearer token of a request, if it carries one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([\x21-\x7e]{1,512})\s*$/i.exec(header);
  return match?.[1];
}

/** Checks bearer tokens against the configured admin and app tokens. */
export class Authenticator {
  readonly #tokens = new Map<string, Principal>();

  constructor(adminTokens: readonly string[], appTokens: readonly string[]) {
    for (const token of appTokens) this.#tokens.set(digest(token), { role: 'app', id: `app:${digest(token).slice(0, 12)}` });
    for (const token of adminTokens) this.#tokens.set(digest(token), { role: 'admin', id: `admin:${digest(token).slice(0, 12)}` });
  }

  /**
   * The principal of a request allowed to do `role`.
   * @throws SyncError `UNAUTHORIZED` without a known token, `FORBIDDEN` for an app token on an admin route.
   */
  authenticate(request: FastifyRequest, role: Role): Principal {
    const token = bearerToken(request);
    if (token === undefined) {
      throw new SyncError('UNAUTHORIZED', 'this route needs an "Authorization: Bearer <token>" header', { headers: { 'www-authenticate': 'Bearer' } });
    }
    const principal = this.#tokens.get(digest(token));
    if (principal === undefined) {
      throw new SyncError('UNAUTHORIZED', 'the bearer token is not one this endpoint knows', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    }
    if (role === 'admin' && principal.role !== 'admin') {
      throw new SyncError('FORBIDDEN', 'this route needs an admin token (SYNC_ADMIN_TOKENS); app tokens may only send telemetry and feedback');
    }
    return principal;
  }

  /** A stable rate-limit key for a token (its digest prefix), whether or not it is known. */
  static keyOf(token: string): string {
    return digest(token).slice(0, 24);
  }
}
