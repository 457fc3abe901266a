import {
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { EmailTakenError } from '../users/users.service';
import { type Principal } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { type RequestMeta } from '../http/request-meta';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { sha256 } from '../crypto/tokens';
import { toUserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { AuthRateLimiter } from './auth-rate-limiter';
import {
  type AuthResultDto,
  type ChangePasswordDto,
  type LoginDto,
  type MeDto,
  type SignupDto,
  type TokenPairDto,
} from './dto/auth.dto';
import { PasswordHasher } from './password-hasher';
import { SessionsRepository } from './sessions.repository';
import { REFRESH_TOKEN_PREFIX, TokensService } from './tokens.service';

const INVALID_LOGIN = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';

@Injectable()
export class AuthService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly users: UsersService,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensService,
    private readonly passwords: PasswordHasher,
    private readonly limiter: AuthRateLimiter,
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async signup(dto: SignupDto, meta: RequestMeta): Promise<AuthResultDto> {
    await this.limiter.consume('signup', { ip: meta.ip, account: dto.email });
    if (!this.config.auth.signupEnabled) throw new ForbiddenException('Signup is disabled on this server');
    const passwordHash = await this.passwords.hash(dto.password);
    try {
      return await this.uow.transaction(async () => {
        const user = await this.users.createWithRole({ email: dto.email, name: dto.name, passwordHash }, 'user');
        const tokens = await this.openSession(user.id, meta);
        await this.audit.record(
          { action: 'auth.signup', actorId: user.id, targetType: 'User', targetId: user.id },
          meta,
        );
        return { user: toUserDto(user, ['user']), tokens };
      });
    } catch (error) {
      if (error instanceof EmailTakenError) {
        throw new ConflictException('An account with this email already exists');
      }
      throw error;
    }
  }

  /** Unknown email, wrong password and deactivated account all answer the same 401, in the same time. */
  async login(dto: LoginDto, meta: RequestMeta): Promise<TokenPairDto> {
    await this.limiter.consume('login', { ip: meta.ip, account: dto.email });
    const user = await this.users.findForLogin(dto.email);
    const valid = await this.passwords.verify(user?.passwordHash, dto.password);
    if (!user || !valid || user.deactivatedAt) {
      await this.audit.record(
        {
          action: 'auth.login.failed',
          actorId: user?.id ?? null,
          details: { email: dto.email, reason: !user ? 'unknown-email' : !valid ? 'wrong-password' : 'deactivated' },
        },
        meta,
      );
      throw new UnauthorizedException(INVALID_LOGIN);
    }
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.setPasswordHash(user.id, await this.passwords.hash(dto.password));
    }
    return this.uow.transaction(async () => {
      const tokens = await this.openSession(user.id, meta);
      await this.audit.record(
        { action: 'auth.login.succeeded', actorId: user.id, targetType: 'User', targetId: user.id },
        meta,
      );
      return tokens;
    });
  }

  /** Rotates a refresh token. Presenting one that was already rotated revokes its whole session. */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPairDto> {
    const hash = sha256(refreshToken);
    await this.limiter.consume('refresh', { ip: meta.ip, account: hash });
    if (!refreshToken.startsWith(REFRESH_TOKEN_PREFIX)) throw new UnauthorizedException(INVALID_REFRESH);
    const next = this.tokens.newRefreshToken();
    const result = await this.sessions.rotate(hash, next.hash, next.expiresAt);
    if (result.kind === 'reused') {
      await this.audit.record(
        { action: 'auth.refresh.reused', actorId: result.userId, targetType: 'Session', targetId: result.sessionId },
        meta,
      );
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    if (result.kind === 'invalid' || !(await this.users.isActive(result.userId))) {
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    return this.pair(await this.tokens.signAccessToken(result.userId, result.sessionId), next.token);
  }

  /** Ends this session: its refresh token and, at once, its access tokens. */
  async logout(auth: Principal, meta: RequestMeta): Promise<void> {
    const sessionId = this.sessionOf(auth);
    await this.sessions.revokeSession(sessionId, 'logout');
    await this.audit.record(
      { action: 'auth.logout', actorId: auth.userId, targetType: 'Session', targetId: sessionId },
      meta,
    );
  }

  async logoutAll(auth: Principal, meta: RequestMeta): Promise<void> {
    const count = await this.sessions.revokeAllForUser(auth.userId, 'logout-all');
    await this.audit.record({ action: 'auth.logout-all', actorId: auth.userId, details: { sessions: count } }, meta);
  }

  /** Changes the password and ends every other session of the user. */
  async changePassword(auth: Principal, dto: ChangePasswordDto, meta: RequestMeta): Promise<void> {
    const sessionId = this.sessionOf(auth);
    const user = await this.users.findForLoginById(auth.userId);
    if (!(await this.passwords.verify(user?.passwordHash, dto.currentPassword))) {
      throw new ForbiddenException('The current password is wrong');
    }
    const passwordHash = await this.passwords.hash(dto.newPassword);
    await this.uow.transaction(async () => {
      await this.users.setPasswordHash(auth.userId, passwordHash);
      const ended = await this.sessions.revokeAllForUser(auth.userId, 'password-changed', sessionId);
      await this.audit.record(
        {
          action: 'auth.password.changed',
          actorId: auth.userId,
          targetType: 'User',
          targetId: auth.userId,
          details: { sessionsEnded: ended },
        },
        meta,
      );
    });
  }

  /** The caller; roles come from the credential check this very request made. */
  async me(auth: Principal): Promise<MeDto> {
    const user = await this.users.findProfile(auth.userId);
    if (!user) throw new NotFoundException('User not found');
    return { ...toUserDto(user, auth.roles), plan: { name: 'default', quotas: null } };
  }

  private sessionOf(auth: Principal): string {
    if (auth.via.kind !== 'session')
      throw new ForbiddenException('This requires a login session; API keys cannot do it');
    return auth.via.sessionId;
  }

  private async openSession(userId: string, meta: RequestMeta): Promise<TokenPairDto> {
    const refresh = this.tokens.newRefreshToken();
    const session = await this.sessions.open(
      { userId, ip: meta.ip, userAgent: meta.userAgent },
      { tokenHash: refresh.hash, expiresAt: refresh.expiresAt },
    );
    return this.pair(await this.tokens.signAccessToken(userId, session.id), refresh.token);
  }

  private pair(accessToken: string, refreshToken: string): TokenPairDto {
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.tokens.accessTokenTtlSeconds };
  }
}
