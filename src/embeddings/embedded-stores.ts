import { Injectable } from '@nestjs/common';
import { type LocalEmbeddingProvider } from './local-embedding.provider';

/** One batch of a re-embedding walk: rows of model `from` after `page.after`, in key order. */
export type ReembedBatch = (
  provider: LocalEmbeddingProvider,
  from: string,
  page: { after: string | null; limit: number },
) => Promise<{ last: string | null; count: number }>;

/** A table of stored vectors that can be re-embedded in place from its own rows. */
export interface EmbeddedStore {
  /** Its name in the re-embedding job's result (`chunks`, `summaries`). */
  readonly name: string;
  /** The embedding models its rows come from. */
  embeddingModels(): Promise<string[]>;
  reembedBatch: ReembedBatch;
}

/**
 * The stores of vectors, registered by the modules that own them at start: the re-embedding job
 * (after a change of the local provider) walks every one without knowing the modules.
 */
@Injectable()
export class EmbeddedStores {
  private readonly stores: EmbeddedStore[] = [];

  register(store: EmbeddedStore): void {
    this.stores.push(store);
  }

  all(): readonly EmbeddedStore[] {
    return this.stores;
  }
}
