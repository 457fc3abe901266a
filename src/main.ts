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
  const logger = new Logger('Folio');
  // Our own signal handling rather than Nest's shutdown hooks, which re-raise the signal after
  // closing (exit code 143 or 130): a stop that was asked for is a clean exit, code 0.
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      // Ctrl-C under `npm start` arrives twice at once (from the terminal and forwarded by npm);
      // a signal repeated later means: stop now.
      if (Date.now() - stoppingSince < 2000) return;
      logger.warn(`${signal} again: exiting without waiting for the shutdown to finish`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.log(`${signal} received: stopping (draining requests, finishing jobs)`);
    app.close().then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.listen(config.http.port, config.http.host);
  logger.log(`listening on http://${config.http.host}:${config.http.port} (API docs at /docs)`);
  logger.log(describeMode(config));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Folio failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
