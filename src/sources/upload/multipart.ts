import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { BadRequestException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import { DetailedHttpException } from '../../http/detailed-http.exception';
import { type BlobStorage } from '../../storage/blob-storage';
import { sanitizeFilename, SNIFF_BYTES } from '../formats';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
}

export interface ReceivedFile {
  /** As the client sent it: for display after sanitising, never for paths. */
  filename: string;
  storageKey: string;
  size: number;
  sha256: string;
  /** The first bytes, for type detection. */
  head: Buffer;
}

/**
 * Streams every file of a multipart/form-data request straight into blob storage as it arrives:
 * size is counted and hashed on the way, so a file over the limit fails (413) at the limit, long
 * before a whole upload could be buffered. All or nothing: on any error every blob this request
 * wrote is deleted and the error is answered at once; the connection is closed after it (see
 * {@link closeAfterResponse}), so the client need not send the rest of the body.
 */
export async function receiveFiles(
  req: IncomingMessage,
  storage: BlobStorage,
  limits: UploadLimits,
  newStorageKey: () => string,
): Promise<ReceivedFile[]> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    throw new DetailedHttpException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'Send the files as multipart/form-data (field "files")',
      [],
    );
  }
  const files: ReceivedFile[] = [];
  const stored: string[] = [];
  const tasks: Promise<void>[] = [];
  let failure: Error | undefined;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // Filenames in multipart headers are UTF-8 (RFC 7578 §4.2); busboy's default is latin1.
      defParamCharset: 'utf8',
      limits: {
        files: limits.maxFiles,
        fileSize: limits.maxFileBytes + 1,
        fields: 20,
        fieldSize: 4096,
        parts: limits.maxFiles + 20,
      },
    });
  } catch (error) {
    throw new BadRequestException(`Malformed multipart request: ${(error as Error).message}`);
  }

  // A failure answers at once: the rest of the body is not waited for (a file past the size limit
  // gets its 413 when the limit is passed, not after the client has sent everything).
  let settle: () => void = () => undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    settle();
  };
  const open = new Set<NodeJS.ReadableStream & { destroy(error?: Error): void }>();

  parser.on('file', (_field, stream, info) => {
    if (failure) {
      stream.resume();
      return;
    }
    const index = files.length;
    const key = newStorageKey();
    stored.push(key);
    const filename = info.filename ?? 'untitled';
    const meter = new Meter(limits.maxFileBytes, filename);
    files.push({ filename, storageKey: key, size: 0, sha256: '', head: Buffer.alloc(0) });
    open.add(meter);
    tasks.push(
      storage.put(key, stream.pipe(meter)).then(
        () => {
          open.delete(meter);
          files[index] = { ...files[index], size: meter.size, sha256: meter.digest(), head: meter.head() };
        },
        (error: Error) => {
          open.delete(meter);
          stream.resume();
          fail(error);
        },
      ),
    );
    stream.on('error', (error: Error) => meter.destroy(error));
  });
  parser.on('filesLimit', () => fail(new PayloadTooLargeException(`At most ${limits.maxFiles} files per request`)));
  parser.on('partsLimit', () => fail(new PayloadTooLargeException('Too many parts in the request')));

  await new Promise<void>((resolve) => {
    settle = resolve;
    parser.on('close', resolve);
    parser.on('error', (error: Error) =>
      fail(new BadRequestException(`Malformed multipart request: ${error.message}`)),
    );
    req.on('aborted', () => fail(new BadRequestException('The upload was interrupted')));
    req.pipe(parser);
  });

  if (failure) {
    req.unpipe(parser);
    // Files still being written stop here, so their storage writes end and can be removed.
    for (const stream of open) stream.destroy(failure);
    await Promise.allSettled(tasks);
    await storage.delete(stored);
    closeAfterResponse(req);
    throw failure;
  }
  await Promise.all(tasks);
  if (files.length === 0) throw new BadRequestException('No file in the request (send them in the "files" field)');
  return files;
}

/** Counts, hashes and samples the bytes flowing through; fails past the size limit. */
class Meter extends Transform {
  size = 0;
  private readonly hash = createHash('sha256');
  private readonly sample: Buffer[] = [];
  private sampled = 0;

  constructor(
    private readonly max: number,
    private readonly filename: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      callback(
        new PayloadTooLargeException(
          `"${sanitizeFilename(this.filename)}" is larger than ${Math.round(this.max / 1024 / 1024)} MB`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    if (this.sampled < SNIFF_BYTES) {
      this.sample.push(chunk.subarray(0, SNIFF_BYTES - this.sampled));
      this.sampled += Math.min(chunk.length, SNIFF_BYTES - this.sampled);
    }
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  head(): Buffer {
    return Buffer.concat(this.sample);
  }
}

/**
 * Ends the connection after the error answer: `Connection: close`, so Node closes it once the
 * answer is written, instead of reading (and discarding) the rest of a body that may be gigabytes.
 * (A lingering close — reading on for a moment so that closing with unread data cannot reset the
 * connection before the client reads the answer — made no difference here: Node's own clients
 * read the 413 either way, whether they paused or kept writing.)
 */
function closeAfterResponse(req: IncomingMessage): void {
  const res = (req as IncomingMessage & { res?: ServerResponse }).res;
  if (!res || res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.shouldKeepAlive = false;
  res.setHeader('Connection', 'close');
}
