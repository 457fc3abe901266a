import { Injectable } from '@nestjs/common';

export interface SourceReady {
  sourceId: string;
  revision: number;
  notebookId: string;
}

export interface SourceRemoved {
  sourceId: string;
  notebookId: string;
}

type Listener<E> = (event: E) => Promise<void>;

/**
 * What happens to sources, for modules that build on them (summaries): they subscribe here, so
 * the sources module and ingestion never call them. In-process and awaited: a `ready` listener
 * runs inside the unit of work that makes the source ready, so what it records (a job) exists
 * exactly if the source became ready.
 */
@Injectable()
export class SourceEvents {
  private readonly readyListeners: Listener<SourceReady>[] = [];
  private readonly removedListeners: Listener<SourceRemoved>[] = [];

  onReady(listener: Listener<SourceReady>): void {
    this.readyListeners.push(listener);
  }

  onRemoved(listener: Listener<SourceRemoved>): void {
    this.removedListeners.push(listener);
  }

  async ready(event: SourceReady): Promise<void> {
    for (const listener of this.readyListeners) await listener(event);
  }

  async removed(event: SourceRemoved): Promise<void> {
    for (const listener of this.removedListeners) await listener(event);
  }
}
