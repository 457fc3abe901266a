import { loadModule, parseSync } from 'libpg-query';
import builtins from './builtins.json';
import { deniedFunction, deniedRelation } from './denied';

/** Why the gate refused a statement: one label each, for the 422 and the metrics. */
export const GATE_REASONS = [
  'syntax',
  'empty',
  'multiple_statements',
  'not_select',
  'data_modifying',
  'select_into',
  'locking_clause',
  'unknown_function',
  'denied_function',
  'unknown_operator',
  'denied_relation',
] as const;
export type GateReason = (typeof GATE_REASONS)[number];

export type GateVerdict = { allowed: true } | { allowed: false; reason: GateReason; message: string };

const BUILTIN_FUNCTIONS = new Set(builtins.functions.map((f) => f.toLowerCase()));
const BUILTIN_OPERATORS = new Set(builtins.operators);
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/** What a statement kind of the parse tree is called in a refusal. */
const STATEMENT_WORDS: Record<string, string> = {
  InsertStmt: 'an INSERT',
  UpdateStmt: 'an UPDATE',
  DeleteStmt: 'a DELETE',
  MergeStmt: 'a MERGE',
  CopyStmt: 'a COPY',
  DoStmt: 'a DO block',
  CallStmt: 'a CALL',
  ExplainStmt: 'an EXPLAIN',
  VariableSetStmt: 'a SET',
  VariableShowStmt: 'a SHOW',
  TransactionStmt: 'transaction control',
  PrepareStmt: 'a PREPARE',
  ExecuteStmt: 'an EXECUTE',
  DeallocateStmt: 'a DEALLOCATE',
  DeclareCursorStmt: 'a cursor declaration',
  FetchStmt: 'a FETCH',
  CreateTableAsStmt: 'a CREATE TABLE AS',
  LockStmt: 'a LOCK',
  ListenStmt: 'a LISTEN',
  NotifyStmt: 'a NOTIFY',
  DiscardStmt: 'a DISCARD',
  VacuumStmt: 'a VACUUM',
};
const DATA_MODIFYING = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
/** A_Expr kinds whose `name` is a keyword, not an operator (they expand to built-in comparisons). */
const KEYWORD_EXPRESSIONS = new Set([
  'AEXPR_BETWEEN',
  'AEXPR_NOT_BETWEEN',
  'AEXPR_BETWEEN_SYM',
  'AEXPR_NOT_BETWEEN_SYM',
]);

type Node = Record<string, unknown>;

class Refusal extends Error {
  constructor(
    readonly reason: GateReason,
    message: string,
  ) {
    super(message);
  }
}

let loaded: Promise<void> | undefined;

/**
 * The first layer of SQL chat's defence: the real PostgreSQL parser (libpg-query, PostgreSQL
 * 18's grammar as WebAssembly) decides what a statement is, never a keyword pattern. It admits
 * exactly one SELECT (or WITH … SELECT, VALUES, TABLE) that modifies nothing, selects into
 * nothing, locks nothing, calls only built-in functions and operators that are not denied, and
 * names no system relation that holds secrets. The read-only transaction, its timeouts and a
 * SELECT-only role are the layers behind it; each holds on its own.
 */
export class SqlGate {
  private constructor() {}

  /** Loads the parser (once per process). */
  static async load(): Promise<SqlGate> {
    loaded ??= loadModule();
    await loaded;
    return new SqlGate();
  }

  check(sql: string): GateVerdict {
    try {
      this.inspect(sql);
      return { allowed: true };
    } catch (error) {
      if (error instanceof Refusal) return { allowed: false, reason: error.reason, message: error.message };
      throw error;
    }
  }

  private inspect(sql: string): void {
    let statements: { stmt?: Node }[];
    try {
      statements = parseSync(sql).stmts ?? [];
    } catch (error) {
      throw new Refusal('syntax', `The SQL does not parse: ${(error as Error).message}`);
    }
    if (statements.length === 0 || !statements[0].stmt) throw new Refusal('empty', 'There is no statement');
    if (statements.length > 1) {
      throw new Refusal('multiple_statements', `Exactly one statement is allowed; this has ${statements.length}`);
    }
    const [kind] = Object.keys(statements[0].stmt);
    if (kind !== 'SelectStmt') {
      throw new Refusal('not_select', `Only a SELECT is allowed, not ${STATEMENT_WORDS[kind] ?? kind}`);
    }
    this.walk(statements[0].stmt);
  }

  /** Visits every node of the tree: `{ Kind: { …fields } }` objects, arrays and their children. */
  private walk(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.walk(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Node)) {
      if (typeof child === 'object' && child !== null && !Array.isArray(child)) this.visit(key, child as Node);
      this.walk(child);
    }
  }

  private visit(kind: string, node: Node): void {
    if (DATA_MODIFYING.has(kind)) {
      throw new Refusal('data_modifying', `The statement may not modify data (${STATEMENT_WORDS[kind]} inside it)`);
    }
    switch (kind) {
      case 'SelectStmt':
        if (node.intoClause) throw new Refusal('select_into', 'SELECT INTO creates a table; it is not allowed');
        if (Array.isArray(node.lockingClause) && node.lockingClause.length > 0) {
          throw new Refusal('locking_clause', 'Locking clauses (FOR UPDATE, FOR SHARE, …) are not allowed');
        }
        return;
      case 'FuncCall':
        return this.checkFunction(names(node.funcname));
      case 'A_Expr':
        if (!KEYWORD_EXPRESSIONS.has(String(node.kind))) this.checkOperator(names(node.name));
        return;
      case 'RangeVar':
        if (typeof node.relname === 'string' && deniedRelation(node.relname)) {
          const schema = typeof node.schemaname === 'string' ? node.schemaname : undefined;
          if (!schema || SYSTEM_SCHEMAS.has(schema.toLowerCase())) {
            throw new Refusal('denied_relation', `${node.relname} holds server secrets or other sessions' activity`);
          }
        }
        return;
      default:
        return;
    }
  }

  private checkFunction(qualified: string[]): void {
    const name = qualified.at(-1) ?? '';
    const schema = qualified.length > 1 ? qualified.at(-2)!.toLowerCase() : undefined;
    const shown = qualified.join('.');
    if ((schema !== undefined && schema !== 'pg_catalog') || !BUILTIN_FUNCTIONS.has(name.toLowerCase())) {
      throw new Refusal(
        'unknown_function',
        `${shown}() is not a built-in function; only built-in functions may be called`,
      );
    }
    const why = deniedFunction(name);
    if (why) throw new Refusal('denied_function', `${shown}() is not allowed: it ${why}`);
  }

  private checkOperator(qualified: string[]): void {
    const op = qualified.at(-1) ?? '';
    const schema = qualified.length > 1 ? qualified.at(-2)!.toLowerCase() : undefined;
    if ((schema !== undefined && schema !== 'pg_catalog') || !BUILTIN_OPERATORS.has(op)) {
      throw new Refusal('unknown_operator', `${qualified.join('.')} is not a built-in operator`);
    }
  }
}

/** `[{ String: { sval: 'pg_catalog' } }, { String: { sval: 'now' } }]` → `['pg_catalog', 'now']`. */
function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? ''));
}
