/** Turns texts into vectors of the deployment's dimension, L2-normalised (cosine = dot product). */
export abstract class EmbeddingProvider {
  /** Identifies the vector space, stored with every chunk: `local-hash-v1:384`, `openai:<model>:<dims>`. */
  abstract readonly id: string;
  abstract readonly dimensions: number;
  abstract embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** pgvector's text form, sent as a bind parameter (never inlined into SQL). */
export function toPgVector(vector: Float32Array): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) {
    if (i > 0) out += ',';
    // 7 significant digits are float32's precision; shorter text means less to send and parse.
    out += Number(vector[i].toPrecision(7));
  }
  return `${out}]`;
}
