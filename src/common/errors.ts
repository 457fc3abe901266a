/** An error's message, duck-typed (errors from Node's own realm fail `instanceof Error` under jest). */
export function errorMessage(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
