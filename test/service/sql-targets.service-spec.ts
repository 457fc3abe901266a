import { ATTACKS } from '../fixtures/sql/attacks';
import { SqlGate } from '../../src/sql-chat/gate/sql-gate';
import { introspectSchema } from '../../src/sql-chat/targets/introspect';
import { TargetPools } from '../../src/sql-chat/targets/target-pools';
import { type RunLimits, runReadOnly, TargetError } from '../../src/sql-chat/targets/target-runner';
import { createSqlFixture, type SqlFixture } from '../utils/sql-fixture';
import { serverMode } from '../utils/test-app';

const LIMITS: RunLimits = {
  statementTimeoutMs: 5000,
  lockTimeoutMs: 1000,
  maxRows: 1000,
  maxBytes: 1_000_000,
  maxCost: 0,
};

describe('runReadOnly (the layers behind the gate)', () => {
  let fixture: SqlFixture;
  let pools: TargetPools;
  let before: Record<string, number>;

  beforeAll(async () => {
    fixture = await createSqlFixture();
    pools = new TargetPools({ maxConnections: 2, connectTimeoutMs: 5000, idleMs: 60_000 });
    before = await fixture.rowCounts();
  });

  afterAll(async () => {
    await pools?.closeAll();
    await fixture?.destroy();
  });

  const run = (sql: string, limits: Partial<RunLimits> = {}) =>
    runReadOnly(pools.get(fixture.reader), fixture.reader, sql, { ...LIMITS, ...limits });

  it('answers a question with typed columns and rows', async () => {
    const result = await run(
      'select r.name as region, count(*)::int as customers from customers c join regions r on r.id = c.region_id group by 1 order by 1',
    );
    expect(result.columns).toEqual([
      { name: 'region', type: 'text' },
      { name: 'customers', type: 'integer' },
    ]);
    expect(result.rows).toEqual([
      ['East', 50],
      ['North', 50],
      ['South', 50],
      ['West', 50],
    ]);
    expect(result).toMatchObject({ rowCount: 4, truncated: false });
  });

  it('caps rows through the cursor, not by rewriting the statement, and says so', async () => {
    const result = await run('select id from orders order by id', { maxRows: 25 });
    expect(result.rows).toHaveLength(25);
    expect(result.rows.at(-1)).toEqual([25]);
    expect(result.truncated).toBe(true);
    // Exactly at the cap is not truncated.
    expect((await run('select id from regions', { maxRows: 4 })).truncated).toBe(false);
  });

  it('caps the bytes of the result', async () => {
    const result = await run("select repeat('x', 1000) from generate_series(1, 100)", { maxBytes: 10_000 });
    expect(result.rows.length).toBeLessThan(10);
    expect(result.truncated).toBe(true);
  });

  // PGlite (the zero-setup fixture) runs queries to the end: it enforces no statement_timeout.
  (serverMode ? it : it.skip)('stops a statement at its timeout', async () => {
    // pg_sleep is denied by the gate; the timeout must hold without it too.
    await expect(run('select pg_sleep(5)', { statementTimeoutMs: 300 })).rejects.toMatchObject({ kind: 'timeout' });
    await expect(
      run('select count(*) from generate_series(1, 100000000)', { statementTimeoutMs: 300 }),
    ).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('refuses plans above the cost limit before running them', async () => {
    const costly = 'select count(*) from order_items a cross join order_items b';
    const error = await run(costly, { maxCost: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind: 'too_costly', message: expect.stringMatching(/above the limit of 10000/) });
    expect((await run('select count(*) from regions', { maxCost: 10_000 })).cost).toBeLessThan(10_000);
  });

  it('runs one statement only, even with the gate switched off', async () => {
    await expect(run('select 1; delete from orders')).rejects.toBeInstanceOf(TargetError);
    expect(await fixture.rowCounts()).toEqual(before);
  });

  it('an invalid statement is rejected with the database message (a repair can use it)', async () => {
    await expect(run('select nope from orders')).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/column "nope" does not exist/),
    });
  });

  it('the pool survives failures: the next statement runs', async () => {
    await expect(run('select 1/0')).rejects.toMatchObject({ kind: 'rejected' });
    expect((await run('select 2')).rows).toEqual([[2]]);
  });

  it('leaves no session state behind for the next statement on the same connection', async () => {
    const single = new TargetPools({ maxConnections: 1, connectTimeoutMs: 5000, idleMs: 60_000 });
    const once = (sql: string) => runReadOnly(single.get(fixture.reader), fixture.reader, sql, LIMITS);
    try {
      await once('prepare p as select 1');
      await expect(once('execute p')).rejects.toMatchObject({ message: expect.stringMatching(/"p" does not exist/) });
      await once('select pg_advisory_lock(4242)');
      const held = await once("select count(*)::int from pg_locks where locktype = 'advisory' and objid = 4242");
      expect(held.rows).toEqual([[0]]);
    } finally {
      await single.closeAll();
    }
  });

  describe('the attack corpus with the gate switched off', () => {
    // Statements the database lets run although the gate refuses them: reads without side
    // effects in this fixture (the gate refuses them for what they could read or cost elsewhere).
    const harmlessWhenRun = new Set([
      'only a comment',
      'empty',
      'EXPLAIN of a select',
      'BEGIN',
      'SET ROLE',
      'SET session_authorization',
      'RESET ALL',
      'LISTEN',
      'current_setting',
      'pg_ls_dir',
      'pg_stat_file',
      'pg_cancel_backend',
      'pg_terminate_backend',
      'advisory lock',
      'try advisory lock',
      'table_to_xml reads a secret table',
      'user mappings in a subquery',
      'other sessions in a join',
      'pg_settings',
      'schema-qualified user function shadowing a built-in',
      'pg_reload_conf',
      'pg_read_file',
      'pg_read_binary_file qualified',
      'pg_sleep',
      'pg_sleep in a WHERE',
      'set_config',
      'nextval',
      'pg_authid passwords',
      'pg_shadow qualified',
      'SET TRANSACTION READ WRITE',
      // Session state, discarded after every run (tested below).
      'PREPARE a write',
      'DECLARE a cursor',
    ]);

    // What only a SELECT-only role refuses (a superuser may copy out to a file, or lock a table
    // until the rollback): the zero-setup fixture has no other user than its superuser.
    const refusedByTheRole = new Set(['COPY to a file', 'LOCK TABLE']);
    // Sleeps that only statement_timeout ends, which PGlite does not enforce.
    const endedByTheTimeout = new Set(['pg_sleep', 'pg_sleep in a WHERE']);
    const corpus = ATTACKS.filter((a) => serverMode || !endedByTheTimeout.has(a.what));

    it.each(corpus.map((a) => [a.what, a] as const))('%s leaves the data as it was', async (_what, attack) => {
      const outcome = await run(attack.sql, { statementTimeoutMs: 1000 }).then(
        () => 'ran',
        (error: TargetError) => error.kind,
      );
      const mayRun =
        harmlessWhenRun.has(attack.what) || (!fixture.readerIsSelectOnly && refusedByTheRole.has(attack.what));
      if (!mayRun) expect(outcome).not.toBe('ran');
      expect(await fixture.rowCounts()).toEqual(before);
    });
  });

  it('the gate and the runner agree on the corpus: nothing the gate lets through is an attack', async () => {
    const gate = await SqlGate.load();
    for (const attack of ATTACKS) expect(gate.check(attack.sql).allowed).toBe(false);
  });
});

describe('introspectSchema', () => {
  let fixture: SqlFixture;
  let pools: TargetPools;

  beforeAll(async () => {
    fixture = await createSqlFixture();
    pools = new TargetPools({ maxConnections: 2, connectTimeoutMs: 5000, idleMs: 60_000 });
  });

  afterAll(async () => {
    await pools?.closeAll();
    await fixture?.destroy();
  });

  it('reads tables, columns, types, keys, comments and row estimates', async () => {
    const tables = await introspectSchema(pools.get(fixture.reader), fixture.reader);
    expect(tables.map((t) => t.name)).toHaveLength(15);
    const orders = tables.find((t) => t.name === 'orders')!;
    expect(orders).toMatchObject({
      schema: 'public',
      kind: 'table',
      comment: 'Customer orders; total is the sum of the order items',
      primaryKey: ['id'],
    });
    expect(orders.columns).toContainEqual({ name: 'total', type: 'numeric(12,2)', nullable: false, comment: null });
    expect(orders.columns).toContainEqual({ name: 'employee_id', type: 'integer', nullable: true, comment: null });
    expect(orders.foreignKeys).toEqual(
      expect.arrayContaining([
        { columns: ['customer_id'], references: 'public.customers', referencedColumns: ['id'] },
        { columns: ['employee_id'], references: 'public.employees', referencedColumns: ['id'] },
      ]),
    );
    const items = tables.find((t) => t.name === 'order_items')!;
    expect(items.primaryKey).toEqual(['order_id', 'line']);
    const customers = tables.find((t) => t.name === 'customers')!;
    expect(customers.columns.find((c) => c.name === 'email')?.comment).toBe('Contact address, unique per customer');
    // Loaded rows, analysed by the load (or not yet: then no estimate rather than a wrong one).
    expect(customers.rowEstimate === null || customers.rowEstimate > 0).toBe(true);
  });

  it('reads a schema of 1,000 tables and only the schemas it is given', async () => {
    await fixture.addWideSchema(1000);
    const wide = { ...fixture.reader, key: `${fixture.reader.key}-wide`, schemas: ['wide'] };
    const tables = await introspectSchema(pools.get(wide), wide);
    expect(tables).toHaveLength(1000);
    expect(tables.every((t) => t.schema === 'wide')).toBe(true);
    expect(tables.reduce((n, t) => n + t.foreignKeys.length, 0)).toBe(900);
    const satellite = tables.find((t) => t.name === 'payroll_0_t0023')!;
    expect(satellite.foreignKeys).toEqual([
      { columns: ['payroll_0_t0020_id'], references: 'wide.payroll_0_t0020', referencedColumns: ['id'] },
    ]);
  });
});
