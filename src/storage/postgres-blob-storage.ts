import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { DbContext } from '../database/unit-of-work';
import { BlobStorage } from './blob-storage';

const PART_BYTES = 1024 * 1024;

/** Blobs as 1 MiB `bytea` parts: streamed in, so a 50 MB upload never sits in memory whole. */
export class PostgresBlobStorage extends BlobStorage {
  constructor(private readonly db: DbContext) {
    super();
  }

  async put(key: string, data: Readable): Promise<number> {
    let part = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const bytes = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.db.rows(sql`insert into blob_parts (key, part, data) values (${key}, ${part++}, ${bytes})`);
    };
    try {
      for await (const chunk of data) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        pending.push(buffer);
        pendingBytes += buffer.length;
        if (pendingBytes >= PART_BYTES) await flush();
      }
      await flush();
      return size;
    } catch (error) {
      await this.delete([key]);
      throw error;
    }
  }

  async get(key: string): Promise<Buffer> {
    const rows = await this.db.rows(
      sql<{ data: Buffer }>`select data from blob_parts where key = ${key} order by part`,
    );
    if (rows.length === 0) throw new Error(`blob ${key} not found`);
    return Buffer.concat(rows.map((r) => r.data));
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.rows(sql`delete from blob_parts where key = any(${[...keys]})`);
  }
}
