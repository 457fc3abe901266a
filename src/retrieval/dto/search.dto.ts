import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class SearchDto {
  @ApiProperty({ example: 'how often are certificates rotated?', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  query!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  k?: number;

  @ApiPropertyOptional({
    enum: ['hybrid', 'vector', 'text'],
    default: 'hybrid',
    description: 'hybrid fuses vector and full-text ranks (RRF); vector or text uses one of them',
  })
  @IsOptional()
  @IsIn(['hybrid', 'vector', 'text'])
  mode?: 'hybrid' | 'vector' | 'text';

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Only these sources of the notebook' })
  @IsOptional()
  @IsUUID('all', { each: true })
  @ArrayMaxSize(100)
  sourceIds?: string[];

  @ApiPropertyOptional({ default: false, description: 'Also return RAPTOR summary nodes' })
  @IsOptional()
  @IsBoolean()
  includeSummaries?: boolean;
}

export class PositionDto {
  @ApiPropertyOptional()
  page?: number;

  @ApiPropertyOptional()
  pageEnd?: number;

  @ApiPropertyOptional({ type: [String] })
  headingPath?: string[];

  @ApiPropertyOptional()
  lineStart?: number;

  @ApiPropertyOptional()
  lineEnd?: number;

  @ApiPropertyOptional()
  rowStart?: number;

  @ApiPropertyOptional()
  rowEnd?: number;
}

export class SearchHitDto {
  @ApiProperty({ enum: ['chunk', 'summary'] })
  kind!: 'chunk' | 'summary';

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  chunkId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  summaryId!: string | null;

  @ApiProperty({ format: 'uuid' })
  notebookId!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null for a notebook-level summary' })
  sourceId!: string | null;

  @ApiProperty()
  sourceTitle!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ type: PositionDto })
  position!: PositionDto;

  @ApiProperty({ nullable: true, type: Number, description: 'Summary tree level; null for chunks' })
  level!: number | null;

  @ApiProperty({ description: 'Fused reciprocal-rank score (higher is better)' })
  score!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'Cosine similarity, if a vector candidate' })
  vectorScore!: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Full-text cover density rank, if a text match' })
  textScore!: number | null;
}

export class SearchResultDto {
  @ApiProperty({ type: [SearchHitDto] })
  hits!: SearchHitDto[];

  @ApiProperty({ enum: ['exact', 'hnsw'], description: 'How vector candidates were found' })
  strategy!: 'exact' | 'hnsw';

  @ApiProperty()
  retrievalMs!: number;
}
