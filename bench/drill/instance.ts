import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './services';

/** One Folio process (the built entry point), its output kept in a log file so the drill can count lines. */
export class FolioInstance {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logPath: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process; resolves once /health/ready answers 200, with the milliseconds it took. */
  async start(): Promise<number> {
    const started = Date.now();
    const log = openSync(this.logPath, 'a');
    this.child = spawn(process.execPath, [join(__dirname, '..', '..', 'src', 'main.js')], {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const child = this.child;
    const deadline = Date.now() + 120_000;
    while (!(await this.ready())) {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited with code ${child.exitCode}; see ${this.logPath}`);
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within 120 s; see ${this.logPath}`);
      await sleep(100);
    }
    return Date.now() - started;
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Sends a signal; resolves with the exit code (or the signal that ended it). */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | string> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? 'not running';
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
    );
    child.kill(signal);
    return exited;
  }

  /** Every line the process wrote so far (its JSON log and anything else). */
  logLines(): string[] {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}
