import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmailTakenError, UsersService } from '../users/users.service';
import { PasswordHasher } from './password-hasher';

/**
 * No default credentials: the first administrator exists only if the operator names one
 * (ADMIN_EMAIL / ADMIN_PASSWORD, here, or `npm run admin:create`). Created once, if absent; an
 * existing account with that email is left exactly as it is.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config.auth;
    if (!adminEmail || !adminPassword) return;
    const created = await createAdmin(
      this.uow,
      this.users,
      this.passwords,
      this.audit,
      adminEmail,
      adminPassword,
      'bootstrap',
    );
    if (created) this.logger.log(`created the administrator ${adminEmail}`);
  }
}

/** Creates an administrator unless the email is taken; returns whether it did. */
export async function createAdmin(
  uow: UnitOfWork,
  users: UsersService,
  passwords: PasswordHasher,
  audit: AuditService,
  email: string,
  password: string,
  source: 'bootstrap' | 'cli',
  name?: string,
): Promise<boolean> {
  if (await users.existsByEmail(email)) return false;
  const passwordHash = await passwords.hash(password);
  try {
    await uow.transaction(async () => {
      const user = await users.createWithRole({ email, name, passwordHash }, 'admin');
      await audit.record(
        { action: 'user.created', targetType: 'User', targetId: user.id, details: { role: 'admin', source } },
        {},
      );
    });
    return true;
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if (error instanceof EmailTakenError) return false;
    throw error;
  }
}
