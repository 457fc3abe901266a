import { Injectable } from '@nestjs/common';
import { SessionsRepository } from './sessions.repository';

/** Session control for other modules (admin deactivation). */
@Injectable()
export class SessionsService {
  constructor(private readonly repository: SessionsRepository) {}

  /** In the caller's unit of work, if one is open. */
  revokeAllForUser(userId: string, reason: string): Promise<number> {
    return this.repository.revokeAllForUser(userId, reason);
  }
}
