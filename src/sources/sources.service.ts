import { readPage } from '../http/pagination';
import { BadRequestException, ConflictException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { type Principal } from '../access/principal';
import { uuidv7 } from '../common/uuid';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { DetailedHttpException } from '../http/detailed-http.exception';
import { JobName } from '../queue/job.types';
import { UnitOfWork } from '../database/unit-of-work';
import { JobsService } from '../queue/jobs.service';
import { BlobStorage } from '../storage/blob-storage';
import {
  type CreateTextSourceDto,
  type ListSourcesQuery,
  type SourceContentDto,
  type SourceContentQuery,
  type SourceDto,
  type SourcePageDto,
  toSourceDto,
  type UploadedSourceDto,
  type UploadResultDto,
} from './dto/source.dto';
import { detectType, type DetectedType, sanitizeFilename, SUPPORTED_TYPES, UnsupportedFileError } from './formats';
import { Source, type SourceStatus } from './source.entity';
import { SourceEvents } from './source-events';
import { type NewSourceRow, SourcesRepository } from './sources.repository';
import { receiveFiles } from './upload/multipart';

const SOURCE_NOT_FOUND = 'Source not found';
const FIRST_REVISION = 1;
const REQUEUE_BATCH = 500;

/** The ingestion job of a source at a revision: one per pair, whoever enqueues it. */
const ingestKey = (sourceId: string, revision: number): string => `source:${sourceId}:rev:${revision}`;

interface NewSource {
  storageKey: string;
  kind: 'file' | 'text';
  title: string;
  filename: string | null;
  type: DetectedType;
  size: number;
  sha256: string;
}

@Injectable()
export class SourcesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly sources: SourcesRepository,
    private readonly access: NotebookAccessService,
    private readonly storage: BlobStorage,
    private readonly jobs: JobsService,
    private readonly events: SourceEvents,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Uploads one or more files (multipart, field `files`): each is streamed to storage, checked
   * (size, emptiness, type from content and extension) and queued for ingestion. All or nothing:
   * one bad file fails the request and keeps none. A file whose content the notebook already has
   * returns the existing source with `duplicate: true`.
   */
  async upload(auth: Principal, notebookId: string, req: IncomingMessage): Promise<UploadResultDto> {
    await this.access.requireForSources(auth, notebookId, 'create');
    const files = await receiveFiles(req, this.storage, this.config.uploads, () => `sources/${uuidv7()}`);
    // Every file is checked, and every refused one named: the upload is all or nothing.
    const prepared: NewSource[] = [];
    const refused: { field: string; message: string; status: HttpStatus }[] = [];
    for (const [index, file] of files.entries()) {
      const filename = sanitizeFilename(file.filename);
      const field = `files[${index}]`;
      if (file.size === 0) {
        refused.push({ field, message: `"${filename}" is empty`, status: HttpStatus.BAD_REQUEST });
        continue;
      }
      try {
        const type = await detectType(filename, file.head);
        prepared.push({
          storageKey: file.storageKey,
          kind: 'file',
          title: filename,
          filename,
          type,
          size: file.size,
          sha256: file.sha256,
        });
      } catch (error) {
        if (!(error instanceof UnsupportedFileError)) throw error;
        refused.push({ field, message: error.reason, status: HttpStatus.UNSUPPORTED_MEDIA_TYPE });
      }
    }
    if (refused.length > 0) {
      await this.storage.delete(files.map((f) => f.storageKey));
      // 415 when every refusal is about the type; 400 when one is not (an empty file).
      const status = refused.every((r) => r.status === HttpStatus.UNSUPPORTED_MEDIA_TYPE)
        ? HttpStatus.UNSUPPORTED_MEDIA_TYPE
        : HttpStatus.BAD_REQUEST;
      const summary =
        refused.length === 1 ? refused[0].message : `${refused.length} of ${files.length} files were refused`;
      throw new DetailedHttpException(
        status,
        `${summary}; nothing was added. Supported: ${SUPPORTED_TYPES}`,
        refused.map(({ field, message }) => ({ field, message })),
      );
    }
    return { sources: await this.register(auth, notebookId, prepared) };
  }

  /** Pasted text becomes a source like any file. */
  async createText(auth: Principal, notebookId: string, dto: CreateTextSourceDto): Promise<UploadedSourceDto> {
    await this.access.requireForSources(auth, notebookId, 'create');
    if (dto.text.trim() === '') throw new BadRequestException('text is empty');
    const data = Buffer.from(dto.text, 'utf8');
    const storageKey = `sources/${uuidv7()}`;
    await this.storage.put(storageKey, Readable.from([data]));
    const format = dto.format ?? 'text';
    const [source] = await this.register(auth, notebookId, [
      {
        storageKey,
        kind: 'text',
        title: dto.title,
        filename: null,
        type: { format, mimeType: format === 'markdown' ? 'text/markdown' : 'text/plain' },
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
      },
    ]);
    return source;
  }

  async list(auth: Principal, notebookId: string, query: ListSourcesQuery): Promise<SourcePageDto> {
    await this.access.requireForSources(auth, notebookId, 'read');
    return readPage(
      query.limit ?? 50,
      (take) => this.sources.list(notebookId, { status: query.status, before: query.cursor, limit: take }),
      toSourceDto,
    );
  }

  async get(auth: Principal, notebookId: string, sourceId: string): Promise<SourceDto> {
    await this.access.requireForSources(auth, notebookId, 'read');
    return toSourceDto(await this.find(notebookId, sourceId));
  }

  async content(
    auth: Principal,
    notebookId: string,
    sourceId: string,
    query: SourceContentQuery,
  ): Promise<SourceContentDto> {
    await this.access.requireForSources(auth, notebookId, 'read');
    const source = await this.find(notebookId, sourceId);
    const text = await this.sources.text(sourceId);
    if (!text) throw new ConflictException(`The source has no extracted text yet (status: ${source.status})`);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 20_000;
    const end = Math.min(text.charCount, offset + limit);
    return {
      sourceId,
      offset,
      total: text.charCount,
      text: text.text.slice(offset, end),
      nextOffset: end < text.charCount ? end : null,
    };
  }

  /** Deletes a source with its chunks and text in one transaction; a running ingestion is cancelled. */
  async remove(auth: Principal, notebookId: string, sourceId: string): Promise<void> {
    await this.access.requireForSources(auth, notebookId, 'delete');
    const source = await this.find(notebookId, sourceId);
    if (source.jobId) await this.jobs.cancelById(source.jobId);
    await this.sources.delete(sourceId);
    await this.storage.delete([source.storageKey]);
    await this.events.removed({ sourceId, notebookId });
  }

  /** Ingests a source again from its original bytes; its chunks are replaced atomically when done. */
  async reindex(auth: Principal, notebookId: string, sourceId: string): Promise<SourceDto> {
    await this.access.requireForSources(auth, notebookId, 'update');
    const previous = await this.find(notebookId, sourceId);
    const revision = await this.sources.nextRevision(sourceId);
    if (revision === null) throw new NotFoundException(SOURCE_NOT_FOUND);
    if (previous.jobId) await this.jobs.cancelById(previous.jobId);
    await this.enqueue(auth, notebookId, sourceId, revision);
    return toSourceDto(await this.find(notebookId, sourceId));
  }

  /** System operation: sources with chunks of another embedding model than `model` (all if undefined). */
  idsToReindex(model?: string): Promise<string[]> {
    return this.sources.idsForReindex(model);
  }

  /** System operation: how many of these sources are in each status. */
  statusCounts(sourceIds: readonly string[]): Promise<Partial<Record<SourceStatus, number>>> {
    return this.sources.countByStatus(sourceIds);
  }

  /** System operation (the ingestion job): the source, whatever its notebook. */
  findForIngestion(sourceId: string): Promise<Source | null> {
    return this.sources.findById(sourceId);
  }

  /** System operation (the ingestion job): moves the source to a stage if still at `revision`. */
  setStage(
    sourceId: string,
    revision: number,
    status: SourceStatus,
    progress: number,
    error?: string | null,
  ): Promise<boolean> {
    return this.sources.setStage(sourceId, revision, status, progress, error);
  }

  /** System operation (the ingestion job): stores the extracted text, if still at `revision`. */
  saveText(sourceId: string, revision: number, text: string): Promise<void> {
    return this.sources.saveText(sourceId, revision, text);
  }

  /**
   * System operation (the ingestion job), inside its unit of work: locks the source row; false if
   * it is gone or at another revision.
   */
  async lockAtRevision(sourceId: string, revision: number): Promise<boolean> {
    return (await this.sources.lockAtRevision(sourceId, revision)) !== null;
  }

  /**
   * System operation (the ingestion job), inside the unit of work that commits its chunks: the
   * source is ready, and the modules that build on ready sources hear of it in the same work.
   */
  async markReady(
    source: { id: string; revision: number; notebookId: string },
    result: { chunkCount: number; tokenCount: number; pageCount: number | null },
  ): Promise<void> {
    await this.uow.transaction(async () => {
      await this.sources.markReady(source.id, result);
      await this.events.ready({ sourceId: source.id, revision: source.revision, notebookId: source.notebookId });
    });
  }

  /**
   * System operation behind `npm run reindex`: starts a new revision of the given sources and
   * queues their ingestion (on behalf of whoever added each), in batches, each in one transaction.
   */
  async requeue(sourceIds: readonly string[]): Promise<number> {
    let queued = 0;
    for (let i = 0; i < sourceIds.length; i += REQUEUE_BATCH) {
      const batch = sourceIds.slice(i, i + REQUEUE_BATCH);
      await this.uow.transaction(async () => {
        const revised = await this.sources.nextRevisions(batch);
        // One batch of job records per owner and notebook (the jobs' visibility).
        const groups = new Map<string, typeof revised>();
        for (const source of revised) {
          const group = `${source.created_by ?? ''}|${source.notebook_id}`;
          groups.set(group, [...(groups.get(group) ?? []), source]);
        }
        for (const sources of groups.values()) {
          const { created_by: owner, notebook_id: notebookId } = sources[0];
          const jobs = await this.jobs.enqueueMany(
            JobName.IngestSource,
            sources.map((source) => ({
              key: ingestKey(source.id, source.revision),
              payload: { sourceId: source.id, revision: source.revision },
            })),
            { ownerId: owner ?? undefined, notebookId },
          );
          await this.sources.setJobs(sources.map((source, index) => ({ sourceId: source.id, jobId: jobs[index].id })));
        }
        queued += revised.length;
      });
    }
    return queued;
  }

  /**
   * Records new sources and their ingestion jobs in one transaction — a few statements whatever
   * the number of files — then hands the jobs to the queue. Content the notebook already has
   * (also a second copy in the same request, or a concurrent upload of the same bytes) comes
   * back as the existing source with `duplicate: true`, and its new copy is deleted.
   */
  private async register(auth: Principal, notebookId: string, items: NewSource[]): Promise<UploadedSourceDto[]> {
    const rows: NewSourceRow[] = items.map((item) => {
      const id = uuidv7();
      return {
        id,
        notebookId,
        createdBy: auth.userId,
        kind: item.kind,
        title: item.title,
        filename: item.filename,
        format: item.type.format,
        language: item.type.language ?? null,
        mimeType: item.type.mimeType,
        sizeBytes: item.size,
        contentHash: item.sha256,
        storageKey: item.storageKey,
        jobId: this.jobs.jobId(JobName.IngestSource, ingestKey(id, FIRST_REVISION)),
      };
    });
    let inserted: Source[];
    try {
      inserted = await this.uow.transaction(async () => {
        const sources = await this.sources.insertMany(rows);
        await this.jobs.enqueueMany(
          JobName.IngestSource,
          sources.map((source) => ({
            key: ingestKey(source.id, source.revision),
            payload: { sourceId: source.id, revision: source.revision },
          })),
          { ownerId: auth.userId, notebookId },
        );
        return sources;
      });
    } catch (error) {
      await this.storage.delete(items.map((item) => item.storageKey));
      throw error;
    }

    const insertedIds = new Set(inserted.map((source) => source.id));
    const duplicates = rows.filter((row) => !insertedIds.has(row.id));
    if (duplicates.length === 0) return inserted.map((source) => ({ ...toSourceDto(source), duplicate: false }));
    await this.storage.delete(duplicates.map((row) => row.storageKey));
    const existing = await this.sources.findByHashes(
      notebookId,
      duplicates.map((row) => row.contentHash),
    );
    const byId = new Map(inserted.map((source) => [source.id, source]));
    const byHash = new Map(existing.map((source) => [source.contentHash, source]));
    return rows.map((row) => {
      const source = byId.get(row.id);
      if (source) return { ...toSourceDto(source), duplicate: false };
      const original = byHash.get(row.contentHash);
      // Only a delete racing this upload can remove the row that made this one a duplicate.
      if (!original) throw new ConflictException(`"${row.title}" was deleted while it was being uploaded again`);
      return { ...toSourceDto(original), duplicate: true };
    });
  }

  private async enqueue(auth: Principal, notebookId: string, sourceId: string, revision: number): Promise<void> {
    const job = await this.jobs.enqueue(
      JobName.IngestSource,
      ingestKey(sourceId, revision),
      { sourceId, revision },
      { ownerId: auth.userId, notebookId },
    );
    await this.sources.setJob(sourceId, job.id);
  }

  private async find(notebookId: string, sourceId: string): Promise<Source> {
    const source = await this.sources.findInNotebook(notebookId, sourceId);
    if (!source) throw new NotFoundException(SOURCE_NOT_FOUND);
    return source;
  }
}
