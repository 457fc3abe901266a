import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SkipThrottle } from '@nestjs/throttler';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { Public } from '../access/policy.decorator';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint; protected by `METRICS_TOKEN` (Bearer) when that is set. */
@Public()
@SkipThrottle()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.authorize(req.headers.authorization);
    res.setHeader('Content-Type', this.metrics.contentType());
    res.send(await this.metrics.render());
  }

  private authorize(header: string | undefined): void {
    const token = this.config.metrics.token;
    if (!token) return;
    const offered = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(token);
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
      throw new UnauthorizedException('A valid metrics token is required');
    }
  }
}
