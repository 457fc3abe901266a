import { parseArgs } from 'node:util';
import { UnitOfWork } from '../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { createAdmin } from '../auth/admin-bootstrap';
import { PasswordHasher } from '../auth/password-hasher';
import { UsersService } from '../users/users.service';
import { runTool } from './app-context';

/**
 * `npm run admin:create -- --email ops@example.com [--name "Ops"]`, with the password in
 * ADMIN_PASSWORD (never on the command line, where `ps` and shell history would show it).
 */
runTool('admin:create', async (app) => {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } });
  const email = values.email?.trim().toLowerCase();
  const password = process.env.ADMIN_PASSWORD;
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error('pass --email <address>');
  if (!password || password.length < 10 || password.length > 128) {
    throw new Error('set ADMIN_PASSWORD (10-128 characters) in the environment');
  }
  const created = await createAdmin(
    app.get(UnitOfWork),
    app.get(UsersService),
    app.get(PasswordHasher),
    app.get(AuditService),
    email,
    password,
    'cli',
    values.name,
  );
  if (!created)
    throw new Error(`an account with the email ${email} already exists; change its roles with the admin API`);
  process.stdout.write(`created the administrator ${email}\n`);
});
