import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from '../openapi/openapi';

/**
 * Writes the OpenAPI document to a file (default dist/openapi.json) without serving anything:
 * boots the app on a throwaway embedded database, the same document /docs-json serves.
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'dist/openapi.json';
  const dataDir = mkdtempSync(join(tmpdir(), 'folio-openapi-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', JOB_SCHEDULE: 'false', NODE_ENV: 'development' });
    const app = await createApp(config);
    writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
    await app.close();
    process.stdout.write(`OpenAPI document written to ${out}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
