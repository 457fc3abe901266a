import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { config as loadDotenv } from 'dotenv';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { withLocalSecrets } from '../config/local-secrets';

/**
 * Runs a command-line tool inside the application (database, vault, services) without the HTTP
 * server, then closes it. Exits 1 with the message on failure. With `worker`, the tool also runs
 * background jobs (alongside any running instances in server mode).
 */
export function runTool(
  name: string,
  tool: (app: INestApplicationContext) => Promise<void>,
  options: { worker?: boolean } = {},
): void {
  const main = async (): Promise<void> => {
    if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
    const config = withLocalSecrets(
      loadConfig({
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        JOB_SCHEDULE: 'false',
        JOB_WORKER: options.worker ? 'true' : 'false',
      }),
    );
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    try {
      await tool(app);
    } finally {
      await app.close();
    }
  };
  main().catch((error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(1);
  });
}
