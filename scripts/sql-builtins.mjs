/* eslint-disable no-console -- a script that reports on stdout */
// Regenerates src/sql-chat/gate/builtins.json: the names of PostgreSQL's built-in functions and
// operators (schema pg_catalog), from the server at DATABASE_URL (default: the local one) and from
// the embedded PGlite (a newer major version), so the SQL gate can tell a built-in from a
// user-defined function before anything runs. Usage: node scripts/sql-builtins.mjs
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const FUNCTIONS = "select distinct proname as name from pg_proc where pronamespace = 'pg_catalog'::regnamespace";
const OPERATORS = "select distinct oprname as name from pg_operator where oprnamespace = 'pg_catalog'::regnamespace";

const server = new pg.Client({
  connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
});
await server.connect();
const embedded = await PGlite.create();
const versions = [(await server.query('show server_version')).rows[0].server_version];
versions.push((await embedded.query('show server_version')).rows[0].server_version);
const names = async (sql) =>
  [...new Set([...(await server.query(sql)).rows, ...(await embedded.query(sql)).rows].map((r) => r.name))].sort();
const out = { postgres: versions, functions: await names(FUNCTIONS), operators: await names(OPERATORS) };
await server.end();
await embedded.close();
writeFileSync(new URL('../src/sql-chat/gate/builtins.json', import.meta.url), `${JSON.stringify(out, null, 0)}\n`);
console.log(
  `PostgreSQL ${versions.join(' and ')}: ${out.functions.length} functions, ${out.operators.length} operators`,
);
