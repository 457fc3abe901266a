import type { NextFunction, Request, Response } from 'express';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { type AppConfig } from './config/app-config';
import { withLocalSecrets } from './config/local-secrets';
import { BackgroundWrites } from './database/background-writes';
import { ShutdownService } from './health/shutdown.service';
import { REQUEST_ID_HEADER, requestIdMiddleware } from './http/request-id';
import { answerClientErrors } from './http/client-error';
import { InputSanityPipe } from './http/input-sanity.pipe';
import { jsonBody } from './http/json-body';
import { createValidationPipe } from './http/validation';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi/openapi';

/**
 * Builds and initialises the whole application for a configuration, without listening:
 * `main.ts` listens on it, tests drive it with supertest.
 */
export async function createApp(
  appConfig: AppConfig,
  options: { extraModules?: AppModuleOptions['extraModules'] } = {},
): Promise<NestExpressApplication> {
  const config = withLocalSecrets(appConfig);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // API responses are not cached by clients; hashing every body for an ETag is wasted CPU.
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);

  // Express-level middleware, in order, before any Nest middleware or route.
  app.use(requestIdMiddleware);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  app.use(app.get(BackgroundWrites).trackRequests());
  const shutdown = app.get(ShutdownService);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    // While draining, finish the request but do not keep the connection for another one.
    if (shutdown.isShuttingDown) res.setHeader('Connection', 'close');
    next();
  });
  app.use(helmet());
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.http.corsOrigins],
      credentials: false,
      exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
      maxAge: 600,
    });
  }
  app.use(jsonBody({ limit: config.http.bodyLimit, maxDepth: config.http.bodyMaxDepth }));
  app.useGlobalPipes(new InputSanityPipe(), createValidationPipe());
  setupOpenApi(app);

  await app.init();
  const server = app.getHttpServer();
  // Outlive a load balancer's idle timeout (often 60 s) so it never reuses a socket we closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  answerClientErrors(server);
  return app;
}
