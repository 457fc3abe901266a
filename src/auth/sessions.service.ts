import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { SessionsRepository } from './sessions.repository';

/** Session control for other modules (admin deactivation). */
@Injectable()
export class SessionsService {
  constructor(private readonly repository: SessionsRepository) {}

  revokeAllForUser(em: EntityManager, userId: string, reason: string): Promise<number> {
    return this.repository.revokeAllForUser(em, userId, reason);
  }
}
