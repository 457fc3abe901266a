import { ALLOWED, ATTACKS } from '../../../test/fixtures/sql/attacks';
import { SqlGate } from './sql-gate';

describe(SqlGate.name, () => {
  let sut: SqlGate;

  beforeAll(async () => {
    sut = await SqlGate.load();
  });

  it('holds an attack corpus of at least 40 statements', () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ATTACKS)('refuses $what ($reason)', ({ sql, reason }) => {
    const verdict = sut.check(sql);
    expect(verdict).toEqual({ allowed: false, reason, message: expect.any(String) });
  });

  it.each(ALLOWED)('lets a read-only question through: %s', (sql) => {
    expect(sut.check(sql)).toEqual({ allowed: true });
  });

  it('says why, in words a user can act on', () => {
    expect(sut.check("SELECT pg_read_file('/etc/passwd')")).toMatchObject({
      message: 'pg_read_file() is not allowed: it reads server files',
    });
    expect(sut.check('SELECT 1; SELECT 2')).toMatchObject({
      message: 'Exactly one statement is allowed; this has 2',
    });
    expect(sut.check('DELETE FROM orders')).toMatchObject({ message: 'Only a SELECT is allowed, not a DELETE' });
    expect(sut.check('SELECT wipe()')).toMatchObject({
      message: 'wipe() is not a built-in function; only built-in functions may be called',
    });
  });
});
