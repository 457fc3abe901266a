import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
  MikroOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { SkipThrottle } from '@nestjs/throttler';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { DetailedHttpException } from '../http/detailed-http.exception';
import { ErrorBodyDto } from '../http/error-body';
import { Public } from '../access/policy.decorator';
import { JobTransport } from '../queue/transports/job-transport';
import { REDIS } from '../redis/redis.module';
import { ShutdownService } from './shutdown.service';

const CHECK_TIMEOUT_MS = 1500;

/** What the API does while Redis is unreachable (README: Faults). */
const REDIS_FALLBACK =
  'rate limits are counted per instance, events stay on this instance, new jobs wait in the database';

@Public()
@SkipThrottle()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: MikroOrmHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly transport: JobTransport,
    private readonly shutdown: ShutdownService,
    @Inject(REDIS) private readonly redis: Redis | null,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process is up (no dependency checks)' })
  @ApiOkResponse({ description: 'Alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness: database, Redis (when configured), job queue, heap; 503 names what failed',
  })
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ApiResponse({ status: 503, description: 'Not ready; `details` names the failing parts', type: ErrorBodyDto })
  async ready(): Promise<HealthCheckResult> {
    const redis = this.redis;
    try {
      return await this.health.check([
        () =>
          this.indicators.check('shutdown').attempt(() => {
            if (this.shutdown.isShuttingDown) throw new Error('shutting down');
          }),
        () => this.db.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
        ...(redis
          ? [
              () =>
                this.indicators
                  .check('redis')
                  .attempt(async () => {
                    // Fails at once while disconnected (the client queues nothing); the API keeps
                    // serving meanwhile, and says how.
                    if (redis.status !== 'ready') throw new Error(`${redis.status}; ${REDIS_FALLBACK}`);
                    await redis.ping();
                  })
                  .withTimeout(CHECK_TIMEOUT_MS),
            ]
          : []),
        () =>
          this.indicators
            .check('queue')
            .attempt(async () => {
              const state = await this.transport.health();
              if (!state.ok) throw new Error(state.detail);
              return { transport: this.transport.kind, detail: state.detail };
            })
            .withTimeout(CHECK_TIMEOUT_MS),
        () => this.memory.checkHeap('heap', this.config.health.heapLimitBytes),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as Partial<HealthCheckResult>;
      const failing = Object.entries(result.error ?? {});
      throw new DetailedHttpException(
        503,
        `Not ready: ${failing.map(([name]) => name).join(', ') || 'unknown'}`,
        failing.map(([field, info]) => ({
          field,
          message: typeof info?.message === 'string' ? info.message : String(info?.status ?? 'down'),
        })),
      );
    }
  }
}
