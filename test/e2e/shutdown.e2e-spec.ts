import { get } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ProbeModule } from '../utils/probe.module';
import { freePort, startEntryPoint } from '../utils/entry-point';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface Reply {
  status: number;
  body: string;
}

/** A plain request on its own connection (no keep-alive), as a client behind a load balancer makes. */
function fetchOnce(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('graceful shutdown', () => {
  let context: TestContext;
  let sut: TestApp;
  let port: number;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { SHUTDOWN_DRAIN_MS: '600', SHUTDOWN_TIMEOUT_MS: '5000' }, [ProbeModule]);
    await sut.app.listen(0, '127.0.0.1');
    port = (sut.http.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('turns readiness 503 first, lets in-flight requests finish, then stops accepting connections', async () => {
    expect((await fetchOnce(port, '/health/ready')).status).toBe(200);

    const inFlight = fetchOnce(port, '/api/v1/test-probe/slow?ms=1200');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = sut.close();
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Draining: still listening, but telling the load balancer to go away.
    const during = await fetchOnce(port, '/health/ready');
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body)).toEqual(
      expect.objectContaining({
        statusCode: 503,
        details: expect.arrayContaining([expect.objectContaining({ field: 'shutdown' })]),
      }),
    );

    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.body)).toEqual({ sleptMs: 1200 });

    await closing;
    await expect(fetchOnce(port, '/health/live')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the entry point, stopped by a signal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('logs that it stopped and exits 0 on %s', async (signal) => {
    const context = await createTestContext();
    const port = await freePort();
    const child = startEntryPoint({ ...context.env, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' }, 'pipe');
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(
        async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok ? true : undefined),
        90_000,
        200,
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output).toContain(`${signal} received: stopping`);
      expect(output).toMatch(/"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await context.destroy();
    }
  });
});
