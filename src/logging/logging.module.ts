import { Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const QUIET_PATHS = ['/health/', '/metrics'];

/**
 * Structured JSON logs (pino). Every line written while serving a request carries its
 * `requestId`; jobs bind `jobId` the same way (see JobRunner).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.log.level,
          base: { service: 'folio', pid: process.pid },
          messageKey: 'msg',
          genReqId: (req: IncomingMessage) => req.id ?? '',
          quietReqLogger: true,
          customAttributeKeys: { reqId: 'requestId' },
          autoLogging: config.log.requests
            ? { ignore: (req: IncomingMessage) => QUIET_PATHS.some((p) => (req.url ?? '').startsWith(p)) }
            : false,
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          serializers: {
            // Path only: query strings may carry secrets and are not worth their bytes.
            req: (req: { method?: string; url?: string }) => ({
              method: req.method,
              path: (req.url ?? '').split('?')[0],
            }),
            res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
