import { randomBytes } from 'node:crypto';
import { ensureEmbeddedTemplate, ensureServerTemplate } from './template';

/** Runs once per `jest` run: builds (or reuses) the migrated template every test file copies. */
export default async function globalSetup(): Promise<void> {
  process.env.FOLIO_TEST_RUN = randomBytes(4).toString('hex');
  const url = process.env.TEST_DATABASE_URL;
  process.env.FOLIO_TEST_TEMPLATE = url ? await ensureServerTemplate(url) : await ensureEmbeddedTemplate();
}
