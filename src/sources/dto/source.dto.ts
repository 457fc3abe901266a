import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQuery, PageOf } from '../../http/pagination';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { DocumentText } from '../../http/input-sanity.pipe';
import { SOURCE_FORMATS, SOURCE_STATUSES, type Source, type SourceFormat, type SourceStatus } from '../source.entity';

export class CreateTextSourceDto {
  @ApiProperty({ maxLength: 200, example: 'Meeting notes' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;

  @ApiProperty({
    description:
      'The text itself (bounded by BODY_LIMIT). Like text extracted from a file, NUL characters are removed and unpaired surrogates replaced',
  })
  @DocumentText()
  @IsString()
  @IsNotEmpty()
  text!: string;

  @ApiPropertyOptional({ enum: ['text', 'markdown'], default: 'text' })
  @IsOptional()
  @IsIn(['text', 'markdown'])
  format?: 'text' | 'markdown';
}

export class ListSourcesQuery extends CursorQuery({ default: 50, max: 200 }) {
  @ApiPropertyOptional({ enum: SOURCE_STATUSES })
  @IsOptional()
  @IsIn(SOURCE_STATUSES)
  status?: SourceStatus;
}

export class SourceContentQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Character offset' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200000, default: 20000, description: 'Characters to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200_000)
  limit?: number;
}

export class SourceParams {
  @ApiProperty({ format: 'uuid', description: 'Notebook id' })
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  sourceId!: string;
}

export class SourceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  notebookId!: string;

  @ApiProperty({ enum: ['file', 'text'] })
  kind!: 'file' | 'text';

  @ApiProperty()
  title!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  filename!: string | null;

  @ApiProperty({ enum: SOURCE_FORMATS })
  format!: SourceFormat;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'python' })
  language!: string | null;

  @ApiProperty()
  mimeType!: string;

  @ApiProperty()
  sizeBytes!: number;

  @ApiProperty({ description: 'SHA-256 of the original bytes' })
  contentHash!: string;

  @ApiProperty({ enum: SOURCE_STATUSES })
  status!: SourceStatus;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why ingestion failed' })
  error!: string | null;

  @ApiProperty()
  chunkCount!: number;

  @ApiProperty()
  tokenCount!: number;

  @ApiPropertyOptional({ type: Number, nullable: true })
  pageCount!: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The ingestion job (GET /api/v1/jobs/:id)',
  })
  jobId!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class UploadedSourceDto extends SourceDto {
  @ApiProperty({
    description: 'True when the notebook already had this exact content: the existing source is returned',
  })
  duplicate!: boolean;
}

export class UploadResultDto {
  @ApiProperty({ type: [UploadedSourceDto] })
  sources!: UploadedSourceDto[];
}

export class SourcePageDto extends PageOf(SourceDto) {}

export class SourceContentDto {
  @ApiProperty({ format: 'uuid' })
  sourceId!: string;

  @ApiProperty()
  offset!: number;

  @ApiProperty()
  total!: number;

  @ApiProperty()
  text!: string;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Offset of the next page; null at the end' })
  nextOffset!: number | null;
}

export function toSourceDto(source: Source): SourceDto {
  return {
    id: source.id,
    notebookId: source.notebookId,
    kind: source.kind,
    title: source.title,
    filename: source.filename ?? null,
    format: source.format,
    language: source.language ?? null,
    mimeType: source.mimeType,
    sizeBytes: Number(source.sizeBytes),
    contentHash: source.contentHash,
    status: source.status,
    progress: source.progress,
    error: source.error ?? null,
    chunkCount: source.chunkCount,
    tokenCount: source.tokenCount,
    pageCount: source.pageCount ?? null,
    jobId: source.jobId ?? null,
    createdAt: source.createdAt.toISOString(),
    updatedAt: source.updatedAt.toISOString(),
  };
}
