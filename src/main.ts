import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app.factory';
import { ConfigError, describeMode, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await createApp(config);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Folio');
  logger.log(`listening on http://${config.http.host}:${config.http.port} (API docs at /docs)`);
  logger.log(describeMode(config));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Folio failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
