import { type RetrievalHit } from './retrieval-hit';

/**
 * The seam for a second-stage reranker (a cross-encoder, Cohere/Jina rerank, an LLM judge): it
 * gets the fused candidates and returns them reordered, possibly fewer. The default keeps the
 * fusion's order. Provide another implementation of this class in RetrievalModule to plug one in.
 */
export abstract class Reranker {
  abstract rerank(query: string, hits: readonly RetrievalHit[], signal?: AbortSignal): Promise<RetrievalHit[]>;
}

export class FusionOrderReranker extends Reranker {
  rerank(_query: string, hits: readonly RetrievalHit[]): Promise<RetrievalHit[]> {
    return Promise.resolve([...hits]);
  }
}
