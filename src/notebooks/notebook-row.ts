import { type GrantLevel } from './notebook.entity';

/** A notebook with the caller's grant on it (null: none) and its sources' totals. */
export interface NotebookRow {
  id: string;
  name: string;
  description: string | null;
  owner_id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  grant: GrantLevel | null;
  source_count: number;
  chunk_count: number;
  last_updated_at: string;
}
