import { type MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000Foundation } from './Migration20261122000000_foundation';
import { Migration20261122010000Identity } from './Migration20261122010000_identity';
import { Migration20261122020000Notebooks } from './Migration20261122020000_notebooks';
import { Migration20261122030000Compression } from './Migration20261122030000_compression';
import { Migration20261122040000Chat } from './Migration20261122040000_chat';
import { Migration20261122050000VectorStorage } from './Migration20261122050000_vector_storage';
import { Migration20261122060000NotebookTextIndex } from './Migration20261122060000_notebook_text_index';
import { Migration20261201000000JobNotebook } from './Migration20261201000000_job_notebook';
import { Migration20261201010000ChunkWrites } from './Migration20261201010000_chunk_writes';
import { Migration20261201020000JobDispatch } from './Migration20261201020000_job_dispatch';
import { Migration20261201030000ChunkHeadingText } from './Migration20261201030000_chunk_heading_text';
import { Migration20261202000000EmbeddingModelIndex } from './Migration20261202000000_embedding_model_index';
import { Migration20261202010000JobOwnerPlain } from './Migration20261202010000_job_owner_plain';
import { Migration20261202020000JobLeases } from './Migration20261202020000_job_leases';

/**
 * Every migration, in order. Listed explicitly (not discovered from the filesystem) so the same
 * list works from compiled JavaScript, from TypeScript under jest, and in the Docker image.
 * After `npx mikro-orm migration:create`, add the new class here; a test fails if you forget.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122000000_foundation', class: Migration20261122000000Foundation },
  { name: 'Migration20261122010000_identity', class: Migration20261122010000Identity },
  { name: 'Migration20261122020000_notebooks', class: Migration20261122020000Notebooks },
  { name: 'Migration20261122030000_compression', class: Migration20261122030000Compression },
  { name: 'Migration20261122040000_chat', class: Migration20261122040000Chat },
  { name: 'Migration20261122050000_vector_storage', class: Migration20261122050000VectorStorage },
  { name: 'Migration20261122060000_notebook_text_index', class: Migration20261122060000NotebookTextIndex },
  { name: 'Migration20261201000000_job_notebook', class: Migration20261201000000JobNotebook },
  { name: 'Migration20261201010000_chunk_writes', class: Migration20261201010000ChunkWrites },
  { name: 'Migration20261201020000_job_dispatch', class: Migration20261201020000JobDispatch },
  { name: 'Migration20261201030000_chunk_heading_text', class: Migration20261201030000ChunkHeadingText },
  { name: 'Migration20261202000000_embedding_model_index', class: Migration20261202000000EmbeddingModelIndex },
  { name: 'Migration20261202010000_job_owner_plain', class: Migration20261202010000JobOwnerPlain },
  { name: 'Migration20261202020000_job_leases', class: Migration20261202020000JobLeases },
];
