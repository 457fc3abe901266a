import { toPgVector } from '../../embeddings/embedding-provider';
import { LocalEmbeddingProvider } from '../../embeddings/local-embedding.provider';
import { type SourceFormat } from '../../sources/source.entity';
import { chunkBlocks, type ChunkingOptions, type DraftChunk } from '../chunking/chunker';
import { parseDocument } from '../parsers';

export interface PrepareInput {
  format: SourceFormat;
  /** The original bytes; moved (not copied) into a worker thread. */
  data: Uint8Array;
  language?: string | null;
  chunking: ChunkingOptions;
  /** Embed with the local provider of this dimension too (it is CPU work like the rest). */
  localEmbeddingDimensions?: number;
}

export interface PreparedDocument {
  text: string;
  pageCount: number | null;
  chunks: DraftChunk[];
  /** pgvector text of each chunk's embedding, when the local provider embedded them here. */
  embeddings?: string[];
}

/** Stages entered while preparing, for progress reports. */
export type PrepareEvent = { stage: 'chunking' } | { stage: 'embedding'; total: number };

/** The chunk as the embedding model sees it: with its heading path, so sections keep their context. */
export function embeddingInput(chunk: Pick<DraftChunk, 'text' | 'position'>): string {
  const path = chunk.position.headingPath;
  return path && path.length > 0 ? `${path.join(' › ')}\n${chunk.text}` : chunk.text;
}

/**
 * The CPU-bound part of ingestion, with no I/O: bytes → parsed document → chunks (→ local
 * embeddings). Runs in a worker thread (document.worker.ts) or, with INGEST_WORKERS=0, inline.
 */
export async function prepareDocument(
  input: PrepareInput,
  emit: (event: PrepareEvent) => void = () => undefined,
): Promise<PreparedDocument> {
  const data = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
  const document = await parseDocument(input.format, data, input.language);
  emit({ stage: 'chunking' });
  const chunks = chunkBlocks(document.blocks, input.chunking);
  let embeddings: string[] | undefined;
  if (input.localEmbeddingDimensions) {
    emit({ stage: 'embedding', total: chunks.length });
    const provider = new LocalEmbeddingProvider(input.localEmbeddingDimensions);
    embeddings = chunks.map((chunk) => toPgVector(provider.embedOne(embeddingInput(chunk))));
  }
  return { text: document.text, pageCount: document.pageCount ?? null, chunks, embeddings };
}
