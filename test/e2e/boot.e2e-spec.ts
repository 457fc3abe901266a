import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs the real entry point (src/main.ts through @swc-node/register) with the given environment. */
function boot(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('boot with a bad configuration', () => {
  it('stops with exit code 1 and a message naming the variable', () => {
    const { status, stderr } = boot({ PORT: 'not-a-port', LOG_LEVEL: 'chatty' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/Invalid configuration/);
    expect(stderr).toMatch(/PORT must/);
    expect(stderr).toMatch(/LOG_LEVEL must be one of/);
  });

  it('refuses placeholder secrets in production', () => {
    const { status, stderr } = boot({ NODE_ENV: 'production', METRICS_TOKEN: 'change-me-please-now' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/METRICS_TOKEN still holds the placeholder/);
  });
});
