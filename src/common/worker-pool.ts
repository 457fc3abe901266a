import { parentPort, Worker } from 'node:worker_threads';

/** Messages from a worker: events while a task runs, then its result or its error. */
export type WorkerMessage<Out, Event> =
  { id: number; event: Event } | { id: number; result: Out } | { id: number; error: { name: string; message: string } };

export interface WorkerPoolOptions {
  /** Most workers alive at once; tasks beyond that wait in order. */
  size: number;
  /** Heap ceiling of each worker: a pathological input kills its worker, not the process. */
  maxHeapMb: number;
  /** Rebuilds an error thrown in a worker, so callers can tell kinds apart by class. */
  reviveError?: (name: string, message: string) => Error;
  /** Error for a task whose worker ran out of memory. */
  outOfMemoryError?: () => Error;
}

export interface RunOptions<Event> {
  signal?: AbortSignal;
  transfer?: ArrayBuffer[];
  onEvent?: (event: Event) => void;
  /**
   * Whose task this is (a user): waiting tasks start in turns across groups — the next is the
   * oldest of the group with the fewest tasks running, and among those of the group served
   * longest ago — so one group's many large documents do not make another's small one wait
   * behind all of them.
   */
  group?: string;
}

interface Task<In, Out, Event> {
  id: number;
  input: In;
  options: RunOptions<Event>;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

interface Slot<In, Out, Event> {
  worker: Worker;
  task?: Task<In, Out, Event>;
}

/**
 * A small pool of worker threads running one script, for CPU-bound work (parsing, chunking) that
 * would otherwise hold the event loop every HTTP request shares. Workers start on demand and
 * stay; a worker that dies fails its task and is replaced on the next one. An aborted task
 * terminates its worker: the only way to stop synchronous work. The script gets tasks as
 * `{ id, input }` and answers with {@link WorkerMessage}s.
 *
 * TypeScript scripts (tests, `src/main.ts` through @swc-node/register) are loaded through the
 * same register hook; compiled builds load the JavaScript directly.
 */
export class WorkerPool<In, Out, Event = never> {
  private readonly slots: Slot<In, Out, Event>[] = [];
  private readonly queue: Task<In, Out, Event>[] = [];
  private nextId = 1;
  private closed = false;
  /** When each group last had a task started (a counter), for taking turns. */
  private readonly served = new Map<string | undefined, number>();
  private turn = 0;

  constructor(
    private readonly script: string,
    private readonly options: WorkerPoolOptions,
  ) {}

  run(input: In, options: RunOptions<Event> = {}): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    return new Promise<Out>((resolve, reject) => {
      const onAbort = (): void => this.abort(task);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T): void => {
          options.signal?.removeEventListener('abort', onAbort);
          fn(value);
        };
      const task: Task<In, Out, Event> = {
        id: this.nextId++,
        input,
        options,
        resolve: settle(resolve),
        reject: settle(reject),
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Workers alive now (for metrics and tests). */
  get size(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.options.size) return;
        slot = this.spawn();
      }
      const task = this.queue.splice(this.nextIndex(), 1)[0];
      if (this.served.size > 10_000) this.served.clear();
      this.served.set(task.options.group, ++this.turn);
      slot.task = task;
      slot.worker.postMessage({ id: task.id, input: task.input }, task.options.transfer ?? []);
    }
  }

  /** The waiting task to start next (see {@link RunOptions.group}). */
  private nextIndex(): number {
    const running = new Map<string | undefined, number>();
    for (const slot of this.slots) {
      if (slot.task) running.set(slot.task.options.group, (running.get(slot.task.options.group) ?? 0) + 1);
    }
    const rank = (task: Task<In, Out, Event>): [number, number] => [
      running.get(task.options.group) ?? 0,
      this.served.get(task.options.group) ?? 0,
    ];
    let best = 0;
    let bestRank = rank(this.queue[0]);
    for (let i = 1; i < this.queue.length; i++) {
      const r = rank(this.queue[i]);
      if (r[0] < bestRank[0] || (r[0] === bestRank[0] && r[1] < bestRank[1])) {
        best = i;
        bestRank = r;
      }
    }
    return best;
  }

  private spawn(): Slot<In, Out, Event> {
    const resourceLimits = { maxOldGenerationSizeMb: this.options.maxHeapMb };
    const worker = this.script.endsWith('.ts')
      ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(this.script)});`, {
          eval: true,
          resourceLimits,
        })
      : new Worker(this.script, { resourceLimits });
    const slot: Slot<In, Out, Event> = { worker };
    worker.on('message', (message: WorkerMessage<Out, Event>) => this.onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) => {
      const failure =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY' && this.options.outOfMemoryError
          ? this.options.outOfMemoryError()
          : error;
      this.retire(slot, failure);
    });
    worker.on('exit', (code) => this.retire(slot, new Error(`a worker thread exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot<In, Out, Event>, message: WorkerMessage<Out, Event>): void {
    const task = slot.task;
    if (!task || task.id !== message.id) return;
    if ('event' in message) {
      task.options.onEvent?.(message.event);
      return;
    }
    slot.task = undefined;
    if ('result' in message) task.resolve(message.result);
    else
      task.reject(
        this.options.reviveError?.(message.error.name, message.error.message) ?? new Error(message.error.message),
      );
    this.dispatch();
  }

  /** Removes a dead worker, failing its task; the next task starts a fresh one. */
  private retire(slot: Slot<In, Out, Event>, error: unknown): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    const task = slot.task;
    slot.task = undefined;
    task?.reject(error);
    if (!this.closed) this.dispatch();
  }

  private abort(task: Task<In, Out, Event>): void {
    const queued = this.queue.indexOf(task);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      task.reject(abortReason(task.options.signal));
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (!slot) return;
    this.retire(slot, abortReason(task.options.signal));
    void slot.worker.terminate();
  }
}

function abortReason(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('the task was aborted');
}

/**
 * The worker side: runs `handle` for each task posted by a {@link WorkerPool}, one at a time,
 * passing it a way to send events back. Errors are sent by name and message.
 */
export function serveTasks<In, Out, Event = never>(
  handle: (input: In, emit: (event: Event) => void) => Promise<Out> | Out,
  transferOf: (result: Out) => ArrayBuffer[] = () => [],
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks() runs in a worker thread');
  port.on('message', ({ id, input }: { id: number; input: In }) => {
    const emit = (event: Event): void => port.postMessage({ id, event });
    Promise.resolve()
      .then(() => handle(input, emit))
      .then(
        (result) => port.postMessage({ id, result }, transferOf(result)),
        (error: unknown) => {
          const { name, message } = error instanceof Error ? error : new Error(String(error));
          port.postMessage({ id, error: { name, message } });
        },
      );
  });
}
