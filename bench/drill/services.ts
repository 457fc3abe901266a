import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The newest PostgreSQL server binaries on this machine (Debian keeps them out of PATH). */
function postgresBin(): string {
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(bin, 'initdb'))) return bin;
  } catch {
    // no pg_config on PATH
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries found (initdb): install postgresql');
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL cluster of the drill's own in a temporary folder, on a free port: stopped and
 * started like a real server (pg_ctl), never the machine's shared one. As root it runs as the
 * `postgres` user, which the server requires.
 */
export class ThrowawayPostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly asUser: string | undefined,
  ) {}

  static async create(): Promise<ThrowawayPostgres> {
    const bin = postgresBin();
    const dir = mkdtempSync(join(tmpdir(), 'folio-drill-pg-'));
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (asUser) {
      const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    const pg = new ThrowawayPostgres(bin, dir, await freePort(), asUser);
    pg.run('initdb', ['-D', pg.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']);
    await pg.start();
    return pg;
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]): void {
    const [command, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', join(this.bin, tool), ...args]]
      : [join(this.bin, tool), args];
    execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Starts the server and returns once it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
    this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
    await this.checkVector();
  }

  /** `fast`: clients are disconnected and the server shuts down cleanly, as an operator's restart does. */
  stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
    return Promise.resolve();
  }

  private async checkVector(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      const { rows } = await client.query("select 1 from pg_available_extensions where name = 'vector'");
      if (rows.length === 0)
        throw new Error('pgvector is not installed for this PostgreSQL: run scripts/ensure-pgvector.sh');
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Redis server of the drill's own on a free port, keeping nothing on disk: killed and started again at will. */
export class ThrowawayRedis {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async create(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server and returns once it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await this.ping())) {
      if (this.child.exitCode !== null) throw new Error(`redis-server exited with code ${this.child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
      await sleep(50);
    }
  }

  /** SIGKILL: gone at once, with everything it held in memory. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.setTimeout(500, () => socket.destroy());
      socket.once('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
  }
}
