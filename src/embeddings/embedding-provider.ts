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
    // Components of a unit vector lie in [-1, 1]: 7 decimals keep them to within 5e-8, as
    // float32 does, and format 6× faster than toPrecision (bench:ingest).
    out += Math.round(vector[i] * 1e7) / 1e7;
  }
  return `${out}]`;
}

/**
 * pgvector's binary form (`vector_recv`: int16 dimensions, int16 zero, big-endian float4s), sent
 * as a binary bind parameter: no decimal formatting here, no float parsing in Postgres. For query
 * vectors on the hot path; the parameter must be cast to `vector` in the statement.
 */
export function toPgVectorBinary(vector: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(4 + 4 * vector.length);
  out.writeInt16BE(vector.length, 0);
  out.writeInt16BE(0, 2);
  for (let i = 0; i < vector.length; i++) out.writeFloatBE(vector[i], 4 + 4 * i);
  return out;
}
