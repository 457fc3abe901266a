import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/** The README's walkthrough, as a newcomer runs it: the shell block under "The first ten minutes". */
function walkthrough(): string {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The first ten minutes'));
  return section.slice(section.indexOf('```sh') + 5, section.indexOf('\n```', section.indexOf('```sh') + 5));
}

describe('README walkthrough', () => {
  let context: TestContext;
  let sut: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { SUMMARIES_ENABLED: 'false' });
    await new Promise<void>((resolve) => sut.http.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('goes from signup to a cited answer, as written', async () => {
    const { port } = sut.http.address() as AddressInfo;
    const script = walkthrough().replaceAll('http://localhost:3000', `http://127.0.0.1:${port}`);
    expect(script).toContain('/api/v2/chat');
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      timeout: 60_000,
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
    });
    expect(stdout.trim()).toBe('Certificates are rotated every 90 days by the ops team. [1]');
  });
});
