import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated, Public } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { AuthService } from './auth.service';
import { AuthResultDto, ChangePasswordDto, LoginDto, MeDto, RefreshDto, SignupDto, TokenPairDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller(`${API_V1}/auth`)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @Public()
  @ApiOperation({ operationId: 'signup', summary: 'Create an account; returns the user and a token pair' })
  @ApiCreatedResponse({ type: AuthResultDto })
  @ApiErrors(400, 403, 409, 429)
  signup(@Body() dto: SignupDto, @ReqMeta() meta: RequestMeta): Promise<AuthResultDto> {
    return this.auth.signup(dto, meta);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Exchange email and password for a token pair' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 401, 429)
  login(@Body() dto: LoginDto, @ReqMeta() meta: RequestMeta): Promise<TokenPairDto> {
    return this.auth.login(dto, meta);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refresh',
    summary: 'Rotate a refresh token: the old one dies, a new pair is issued; a reused token revokes its session',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 401, 429)
  refresh(@Body() dto: RefreshDto, @ReqMeta() meta: RequestMeta): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, meta);
  }

  @Post('logout')
  @Authenticated({ sessionOnly: true })
  @HttpCode(204)
  @ApiOperation({
    operationId: 'logout',
    summary: 'End this session; its access and refresh tokens stop working at once',
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  logout(@Auth() auth: Principal, @ReqMeta() meta: RequestMeta): Promise<void> {
    return this.auth.logout(auth, meta);
  }

  @Post('logout-all')
  @Authenticated({ sessionOnly: true })
  @HttpCode(204)
  @ApiOperation({ operationId: 'logoutAll', summary: 'End every session of the caller' })
  @ApiNoContentResponse({ description: 'All sessions ended' })
  logoutAll(@Auth() auth: Principal, @ReqMeta() meta: RequestMeta): Promise<void> {
    return this.auth.logoutAll(auth, meta);
  }

  @Post('change-password')
  @Authenticated({ sessionOnly: true })
  @HttpCode(204)
  @ApiOperation({ operationId: 'changePassword', summary: 'Change the password; every other session ends' })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiErrors(400, 429)
  changePassword(@Auth() auth: Principal, @Body() dto: ChangePasswordDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    return this.auth.changePassword(auth, dto, meta);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'me', summary: 'The caller: id, email, name, role, plan' })
  @ApiOkResponse({ type: MeDto })
  me(@Auth() auth: Principal): Promise<MeDto> {
    return this.auth.me(auth);
  }
}
