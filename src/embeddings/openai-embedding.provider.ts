import type OpenAI from 'openai';
import { EmbeddingProvider } from './embedding-provider';

/** OpenAI's limits per request: inputs and (approximate) tokens. */
const MAX_INPUTS = 2048;
const MAX_TOKENS_PER_REQUEST = 250_000;

export class EmbeddingDimensionError extends Error {
  override name = 'EmbeddingDimensionError';
}

/**
 * Embeddings through the `openai` SDK (or any compatible server). Batches inputs within the
 * API's limits; retries of 429 and 5xx with backoff are the SDK's. text-embedding-3 models are
 * asked for the deployment's dimension; any other model must produce it natively.
 */
export class OpenAiEmbeddingProvider extends EmbeddingProvider {
  readonly id: string;

  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
    readonly dimensions: number,
    private readonly batchSize: number,
  ) {
    super();
    this.id = `openai:${model}:${dimensions}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of this.batches(texts)) {
      const response = await this.client.embeddings.create(
        {
          model: this.model,
          input: batch,
          encoding_format: 'float',
          ...(this.model.startsWith('text-embedding-3') ? { dimensions: this.dimensions } : {}),
        },
        { signal },
      );
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length)
        throw new Error(`embedding server returned ${ordered.length} vectors for ${batch.length} inputs`);
      for (const item of ordered) {
        if (item.embedding.length !== this.dimensions) {
          throw new EmbeddingDimensionError(
            `model ${this.model} returned ${item.embedding.length} dimensions; EMBEDDING_DIMENSIONS is ${this.dimensions}`,
          );
        }
        out.push(normalise(Float32Array.from(item.embedding)));
      }
    }
    return out;
  }

  private *batches(texts: readonly string[]): Generator<string[]> {
    let batch: string[] = [];
    let tokens = 0;
    for (const text of texts) {
      const estimate = Math.ceil(text.length / 3);
      if (
        batch.length > 0 &&
        (batch.length >= Math.min(this.batchSize, MAX_INPUTS) || tokens + estimate > MAX_TOKENS_PER_REQUEST)
      ) {
        yield batch;
        batch = [];
        tokens = 0;
      }
      batch.push(text);
      tokens += estimate;
    }
    if (batch.length > 0) yield batch;
  }
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0 && Math.abs(norm - 1) > 1e-6) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}
