import type { Readable } from 'node:stream';

/**
 * Where original source files live. Keys are opaque ids chosen by Folio (never user filenames),
 * so no path a client sends can reach the filesystem. The Postgres driver lets every instance and
 * worker read every blob; the local-directory driver suits single-instance setups; an
 * S3-compatible driver would be a third implementation of this class.
 */
export abstract class BlobStorage {
  /** Stores a stream under `key`, failing (and leaving nothing) if it errors. Returns the size. */
  abstract put(key: string, data: Readable): Promise<number>;
  abstract get(key: string): Promise<Buffer>;
  abstract delete(keys: readonly string[]): Promise<void>;
}
