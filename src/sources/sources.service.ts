import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { type Principal } from '../access/principal';
import { uuidv7 } from '../common/uuid';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { JobName } from '../queue/job.types';
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
import { detectType, type DetectedType, sanitizeFilename } from './formats';
import { Source } from './source.entity';
import { SourcesRepository } from './sources.repository';
import { receiveFiles } from './upload/multipart';

const SOURCE_NOT_FOUND = 'Source not found';

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
    private readonly em: EntityManager,
    private readonly sources: SourcesRepository,
    private readonly access: NotebookAccessService,
    private readonly storage: BlobStorage,
    private readonly jobs: JobsService,
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
    const prepared: NewSource[] = [];
    try {
      for (const file of files) {
        const filename = sanitizeFilename(file.filename);
        if (file.size === 0) throw new BadRequestException(`"${filename}" is empty`);
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
      }
    } catch (error) {
      await this.storage.delete(files.map((f) => f.storageKey));
      throw error;
    }
    const sources: UploadedSourceDto[] = [];
    for (const item of prepared) sources.push(await this.register(auth, notebookId, item));
    return { sources };
  }

  /** Pasted text becomes a source like any file. */
  async createText(auth: Principal, notebookId: string, dto: CreateTextSourceDto): Promise<UploadedSourceDto> {
    await this.access.requireForSources(auth, notebookId, 'create');
    if (dto.text.trim() === '') throw new BadRequestException('text is empty');
    const data = Buffer.from(dto.text, 'utf8');
    const storageKey = `sources/${uuidv7()}`;
    await this.storage.put(storageKey, Readable.from([data]));
    const format = dto.format ?? 'text';
    return this.register(auth, notebookId, {
      storageKey,
      kind: 'text',
      title: dto.title,
      filename: null,
      type: { format, mimeType: format === 'markdown' ? 'text/markdown' : 'text/plain' },
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  }

  async list(auth: Principal, notebookId: string, query: ListSourcesQuery): Promise<SourcePageDto> {
    await this.access.requireForSources(auth, notebookId, 'read');
    const limit = query.limit ?? 50;
    const rows = await this.sources.list(notebookId, { status: query.status, before: query.cursor, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toSourceDto);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
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
    await this.em.fork().transactional((em) => this.sources.delete(em, sourceId));
    await this.storage.delete([source.storageKey]);
  }

  /** Ingests a source again from its original bytes; its chunks are replaced atomically when done. */
  async reindex(auth: Principal, notebookId: string, sourceId: string): Promise<SourceDto> {
    await this.access.requireForSources(auth, notebookId, 'update');
    const previous = await this.find(notebookId, sourceId);
    const revision = await this.sources.nextRevision(sourceId);
    if (revision === null) throw new NotFoundException(SOURCE_NOT_FOUND);
    if (previous.jobId) await this.jobs.cancelById(previous.jobId);
    await this.enqueue(auth, sourceId, revision);
    return toSourceDto(await this.find(notebookId, sourceId));
  }

  private async register(auth: Principal, notebookId: string, item: NewSource): Promise<UploadedSourceDto> {
    const existing = await this.sources.findByHash(notebookId, item.sha256);
    if (existing) return this.duplicateOf(existing, item);
    const em = this.em.fork();
    const source = em.create(Source, {
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
    });
    try {
      await em.flush();
    } catch (error) {
      // The same content uploaded twice at once: the other request won.
      if (error instanceof UniqueConstraintViolationException) {
        const winner = await this.sources.findByHash(notebookId, item.sha256);
        if (winner) return this.duplicateOf(winner, item);
      }
      await this.storage.delete([item.storageKey]);
      throw error;
    }
    await this.enqueue(auth, source.id, source.revision);
    return { ...toSourceDto(await this.find(notebookId, source.id)), duplicate: false };
  }

  private async duplicateOf(existing: Source, item: NewSource): Promise<UploadedSourceDto> {
    await this.storage.delete([item.storageKey]);
    return { ...toSourceDto(existing), duplicate: true };
  }

  private async enqueue(auth: Principal, sourceId: string, revision: number): Promise<void> {
    const job = await this.jobs.enqueue(
      JobName.IngestSource,
      `source:${sourceId}:rev:${revision}`,
      { sourceId, revision },
      { ownerId: auth.userId },
    );
    await this.sources.setJob(sourceId, job.id);
  }

  private async find(notebookId: string, sourceId: string): Promise<Source> {
    const source = await this.sources.findInNotebook(notebookId, sourceId);
    if (!source) throw new NotFoundException(SOURCE_NOT_FOUND);
    return source;
  }
}
