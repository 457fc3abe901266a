import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobStorage } from './blob-storage';

const SAFE_KEY = /^[a-z0-9][a-z0-9/_-]{0,200}$/;

/** Blobs as files under DATA_DIR/blobs: single-instance setups only. */
export class LocalBlobStorage extends BlobStorage {
  constructor(private readonly root: string) {
    super();
  }

  async put(key: string, data: Readable): Promise<number> {
    const path = this.path(key);
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    let size = 0;
    data.on('data', (chunk: Buffer) => (size += chunk.length));
    try {
      await pipeline(data, createWriteStream(path, { mode: 0o600 }));
      return size;
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }

  private path(key: string): string {
    // Keys are ours (uuids), never client input; refuse anything else rather than trust it.
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid blob key ${key}`);
    return join(this.root, key);
  }
}
