import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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
  @ApiProperty({ format: 'uuid' })
  chunkId!: string;

  @ApiProperty({ format: 'uuid' })
  sourceId!: string;

  @ApiProperty()
  sourceTitle!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ type: PositionDto })
  position!: PositionDto;

  @ApiProperty({ description: 'Cosine similarity, -1 to 1' })
  score!: number;
}

export class SearchResultDto {
  @ApiProperty({ type: [SearchHitDto] })
  hits!: SearchHitDto[];
}
