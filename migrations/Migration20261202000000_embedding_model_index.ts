import { Migration } from '@mikro-orm/migrations';

/**
 * Which embedding models the stored vectors come from, without reading the rows: instances look
 * at start for vectors of an older local provider to re-embed in place. Without an index that
 * look read the whole chunks table (bench:retrieval's 1M chunks: 2.8 s, 3.9 GB of pages); with
 * it, one index probe per model. Keyed by id too, so the re-embedding walks a model's rows in
 * key order through the same index. 56 MB for those 1M chunks.
 */
export class Migration20261202000000EmbeddingModelIndex extends Migration {
  override up(): void {
    this.addSql('create index "chunks_embedding_model_idx" on "chunks" ("embedding_model", "id");');
    this.addSql('create index "summaries_embedding_model_idx" on "summaries" ("embedding_model", "id");');
  }

  override down(): void {
    this.addSql('drop index "chunks_embedding_model_idx";');
    this.addSql('drop index "summaries_embedding_model_idx";');
  }
}
