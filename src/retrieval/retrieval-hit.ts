import { type ChunkPosition } from '../chunks/chunk.entity';
import { type HitKind } from './retrieval.repository';

/** One search result: a chunk or a summary node, with the scores that ranked it. */
export interface RetrievalHit {
  kind: HitKind;
  id: string;
  notebookId: string;
  sourceId: string | null;
  sourceTitle: string;
  text: string;
  position: ChunkPosition | null;
  /** Summary tree level (1 = cluster of chunks); null for chunks. */
  level: number | null;
  score: number;
  vectorScore: number | null;
  textScore: number | null;
}
