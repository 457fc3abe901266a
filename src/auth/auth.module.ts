import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SecretsModule } from '../secrets/secrets.module';
import { UsersModule } from '../users/users.module';
import { AdminBootstrap } from './admin-bootstrap';
import { AuthController } from './auth.controller';
import { GithubTokenController } from './github-token.controller';
import { AuthRateLimiter } from './auth-rate-limiter';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';
import { PrincipalRepository } from './principal.repository';
import { PrincipalService } from './principal.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokensService } from './tokens.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AuthSession, RefreshToken } from './session.entity';

@Module({
  imports: [
    MikroOrmModule.forFeature([AuthSession, RefreshToken]),
    UsersModule,
    SecretsModule,
    PassportModule.register({ session: false }),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: config.auth.jwtSecret,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController, GithubTokenController],
  providers: [
    AuthService,
    TokensService,
    PasswordHasher,
    SessionsRepository,
    SessionsService,
    PrincipalRepository,
    PrincipalService,
    AuthRateLimiter,
    JwtStrategy,
    ApiKeyStrategy,
    AdminBootstrap,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [SessionsService, PasswordHasher],
})
export class AuthModule {}
