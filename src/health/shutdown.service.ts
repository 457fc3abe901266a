import type { Server } from 'node:http';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { sleep } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/**
 * Graceful shutdown, first step: readiness turns 503 so load balancers stop sending traffic,
 * then (after SHUTDOWN_DRAIN_MS) the listener closes and in-flight requests get up to
 * SHUTDOWN_TIMEOUT_MS to finish. Queues stop next (QueueModule), connections close last.
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownService.name);
  private shuttingDown = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.shuttingDown = true;
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}: readiness is now 503`);
    if (this.config.http.shutdownDrainMs > 0) await sleep(this.config.http.shutdownDrainMs);
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server?.listening) await this.closeServer(server);
  }

  private closeServer(server: Server): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          `requests still running after ${this.config.http.shutdownTimeoutMs} ms; closing their connections`,
        );
        server.closeAllConnections();
      }, this.config.http.shutdownTimeoutMs);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // Idle keep-alive connections would hold close() open; busy ones finish their response first.
      server.closeIdleConnections();
    });
  }
}
