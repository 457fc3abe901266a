import { Injectable, Logger } from '@nestjs/common';
import { AbilityFactory } from '../access/ability.factory';
import { type Principal } from '../access/principal';
import { sha256 } from '../crypto/tokens';
import { PrincipalRepository } from './principal.repository';

/** How stale `last_used_at` of an API key may get before a request refreshes it. */
const KEY_TOUCH_INTERVAL_MS = 60_000;

/**
 * Turns a verified credential into a Principal, checking what a signature cannot: that the
 * session has not been revoked, the user not deactivated, the key not revoked or expired.
 * This runs on every request, so revocation takes effect at once, not when a token expires.
 */
@Injectable()
export class PrincipalService {
  private readonly logger = new Logger(PrincipalService.name);

  constructor(
    private readonly repository: PrincipalRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  async fromSession(userId: string, sessionId: string): Promise<Principal | null> {
    const row = await this.repository.findSessionPrincipal(userId, sessionId);
    if (!row || row.deactivated_at || row.session_revoked_at) return null;
    return {
      userId,
      email: row.email,
      roles: row.roles,
      ability: this.abilities.build({ userId, roles: row.roles }),
      via: { kind: 'session', sessionId },
    };
  }

  async fromApiKey(key: string): Promise<Principal | null> {
    const row = await this.repository.findApiKeyPrincipal(sha256(key));
    if (!row) return null;
    if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > KEY_TOUCH_INTERVAL_MS) {
      this.repository
        .touchApiKey(row.id)
        .catch((error: Error) => this.logger.warn(`could not touch key: ${error.message}`));
    }
    const scopes = row.scopes;
    const notebookIds = row.notebook_ids;
    return {
      userId: row.user_id,
      email: row.email,
      roles: row.roles,
      ability: this.abilities.build({ userId: row.user_id, roles: row.roles, key: { scopes, notebookIds } }),
      via: { kind: 'api-key', apiKeyId: row.id, scopes, notebookIds },
    };
  }
}
