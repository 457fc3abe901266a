import { DriverException } from '@mikro-orm/core';

/** Connection-level failures: refused, reset, timed out, terminated by the server, or cannot connect now. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** What pg says, without a code, when a connection dies under a query or none can be had in time. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (?:is )?(?:closed|ended)/i,
  /Client has encountered a connection error/i,
];

export function databaseCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Duck-typed, not `instanceof Error`: socket errors are made by Node's own realm, which is not
 * always the one the app's `Error` comes from (a test runner's sandbox).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof (error as { getStatus?: unknown }).getStatus === 'function'
  ) {
    return false; // an HTTP exception says what it is
  }
  const code = databaseCode(error);
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  // Any failure to open the socket (a refused port, or the embedded database's socket file gone).
  if ((error as { syscall?: unknown }).syscall === 'connect') return true;
  // Node's AggregateError (every address refused) carries the codes on its members.
  const members = (error as { errors?: unknown }).errors;
  if (Array.isArray(members) && members.some((e) => isConnectionFailure(e))) return true;
  const message = (error as { message?: unknown }).message;
  if ((error instanceof DriverException || code === undefined) && typeof message === 'string') {
    return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
  }
  return false;
}
