import type { Server } from 'node:http';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { sleep } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { QueueLifecycle } from '../queue/queue.module';

/**
 * Graceful shutdown, in this order, before anything is torn down: readiness turns 503 at once so
 * load balancers stop sending traffic while the listener keeps serving for SHUTDOWN_DRAIN_MS;
 * then the listener closes and in-flight requests get up to SHUTDOWN_TIMEOUT_MS to finish; then
 * the jobs (QueueLifecycle.stop): running ones get SHUTDOWN_TIMEOUT_MS with their workers alive,
 * and what still runs goes back to the queue at once. Connections and worker pools close last
 * (onApplicationShutdown).
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownService.name);
  private shuttingDown = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queue: QueueLifecycle,
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
    await this.queue.stop();
    this.logger.log('requests and jobs drained');
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
