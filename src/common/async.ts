/** Waits for `promise` at most `ms`; resolves true if it settled in time (its rejection is ignored). */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lets the event loop serve I/O (HTTP requests, database replies) in the middle of long CPU work
 * on the main thread: `await pause()` yields — a macrotask, not just a microtask — once at least
 * `sliceMs` have passed since the last yield, and is nearly free otherwise.
 */
export function cooperative(sliceMs = 10): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

export interface BatchOptions {
  /** How long one batch should take. */
  targetMs: number;
  /** Size of the first batch. */
  initial: number;
  max: number;
}

/**
 * Runs `run` over `items` in consecutive batches sized so that each takes about `targetMs`:
 * the size of the next batch follows from how long the last one took. Writes in such batches
 * never hold the database long, however slow a row is to write there (a chunk row took 3.3 ms in
 * the embedded Postgres, measured, and far less on a server) — a fixed row count cannot promise that.
 */
export async function inTimedBatches<T>(
  items: readonly T[],
  run: (batch: readonly T[], done: number) => Promise<void>,
  options: BatchOptions,
): Promise<void> {
  let i = 0;
  await inTimedSteps(async (size) => {
    const batch = items.slice(i, i + size);
    if (batch.length === 0) return 0;
    await run(batch, i + batch.length);
    i += batch.length;
    return batch.length;
  }, options);
}

/**
 * Calls `step` with a batch size until it handles nothing (returns 0) or `signal` aborts, sizing
 * each batch like {@link inTimedBatches} (so each takes about `targetMs`). Returns the total handled.
 */
export async function inTimedSteps(
  step: (size: number) => Promise<number>,
  options: BatchOptions & { signal?: AbortSignal },
): Promise<number> {
  let size = options.initial;
  let total = 0;
  while (!options.signal?.aborted) {
    const started = performance.now();
    const count = await step(size);
    if (count === 0) break;
    total += count;
    const ms = Math.max(1, performance.now() - started);
    size = Math.max(1, Math.min(options.max, Math.round((count * options.targetMs) / ms)));
  }
  return total;
}
