import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/**
 * argon2id with configured cost, never below OWASP's minimum (m=19456 KiB, t=2, p=1; enforced by
 * the config schema). Verifying an unknown account runs against a dummy hash of the same cost,
 * so "no such user" and "wrong password" take the same time.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.HashOptions & { raw?: false };
  private dummyHash = '';

  constructor(@InjectConfig() config: AppConfig) {
    const { memoryKib, iterations, parallelism } = config.auth.passwordHash;
    this.options = { type: argon2.argon2id, memoryCost: memoryKib, timeCost: iterations, parallelism, raw: false };
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash('folio-dummy-password-for-timing');
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  /** False for a missing hash too, after the same amount of work. */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? this.dummyHash, password);
      return ok && hash != null;
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.options);
  }
}
