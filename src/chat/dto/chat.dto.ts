import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQuery } from '../../http/pagination';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PositionDto } from '../../retrieval/dto/search.dto';

/** `POST /api/v2/chat` and `/api/v2/chat/stream` (field names as in the earlier systems' v2 API). */
export class ChatRequestDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One notebook (or use notebook_ids)' })
  @IsOptional()
  @IsUUID()
  notebook_id?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Several notebooks at once' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  notebook_ids?: string[];

  @ApiProperty({ maxLength: 4000, example: 'How often are certificates rotated?' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  query!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Continue this conversation; a new one is started without it' })
  @IsOptional()
  @IsUUID()
  session_id?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  include_history?: boolean;

  @ApiPropertyOptional({ default: 10, minimum: 0, maximum: 50, description: 'Earlier messages given to the model' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50)
  max_history?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, description: 'Passages retrieved (default RETRIEVAL_K)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  k?: number;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Only these sources' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  source_ids?: string[];
}

/** `POST /api/v1/query`: one question, no session. */
export class QueryRequestDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One notebook (or use notebook_ids)' })
  @IsOptional()
  @IsUUID()
  notebook_id?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Several notebooks at once (or use notebook_id)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  notebook_ids?: string[];

  @ApiProperty({ maxLength: 4000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  query!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  k?: number;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  source_ids?: string[];
}

export class ChatSourceDto {
  @ApiProperty({ description: 'The number the answer cites it by: [index]' })
  index!: number;

  @ApiProperty({ enum: ['chunk', 'summary'] })
  kind!: 'chunk' | 'summary';

  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  notebook_id!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  source_id!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ type: PositionDto, nullable: true })
  position!: PositionDto | null;

  @ApiProperty({ nullable: true, type: Number })
  level!: number | null;

  @ApiProperty()
  score!: number;

  @ApiProperty({ description: 'Whether the answer cites it' })
  cited!: boolean;
}

export class UsageDto {
  @ApiProperty()
  prompt_tokens!: number;

  @ApiProperty()
  completion_tokens!: number;
}

export class TimingsDto {
  @ApiProperty()
  retrieval_ms!: number;

  @ApiProperty()
  llm_ms!: number;

  @ApiProperty()
  total_ms!: number;
}

export class QueryResponseDto {
  @ApiProperty()
  answer!: string;

  @ApiProperty({ type: [ChatSourceDto] })
  sources!: ChatSourceDto[];

  @ApiProperty({ example: 'gpt-4o-mini' })
  model!: string;

  @ApiProperty({ type: UsageDto })
  usage!: UsageDto;

  @ApiProperty({ type: TimingsDto })
  timings!: TimingsDto;
}

export class ChatResponseDto extends QueryResponseDto {
  @ApiProperty({ format: 'uuid' })
  session_id!: string;

  @ApiProperty({ format: 'uuid', description: 'Id of the stored answer' })
  message_id!: string;
}

export class HistoryQuery extends CursorQuery({ default: 50, max: 200, cursorField: 'next_cursor' }) {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  session_id!: string;
}

export class DeleteHistoryQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  session_id!: string;
}

export class SessionsQuery extends CursorQuery({ default: 20, max: 100, cursorField: 'next_cursor' }) {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only sessions over this notebook' })
  @IsOptional()
  @IsUUID()
  notebook_id?: string;
}

export class ChatMessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['user', 'assistant'] })
  role!: 'user' | 'assistant';

  @ApiProperty()
  content!: string;

  @ApiProperty({ type: [ChatSourceDto] })
  sources!: ChatSourceDto[];

  @ApiProperty({ nullable: true, type: String })
  model!: string | null;

  @ApiProperty({ type: UsageDto, nullable: true })
  usage!: UsageDto | null;

  @ApiProperty({ type: TimingsDto, nullable: true })
  timings!: TimingsDto | null;

  @ApiProperty()
  created_at!: string;
}

export class HistoryPageDto {
  @ApiProperty({ format: 'uuid' })
  session_id!: string;

  @ApiProperty({ type: [ChatMessageDto], description: 'Oldest first within the page' })
  messages!: ChatMessageDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for older messages' })
  next_cursor!: string | null;
}

export class ChatSessionDto {
  @ApiProperty({ format: 'uuid' })
  session_id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ type: [String], format: 'uuid' })
  notebook_ids!: string[];

  @ApiProperty()
  message_count!: number;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  updated_at!: string;
}

export class SessionsPageDto {
  @ApiProperty({ type: [ChatSessionDto] })
  sessions!: ChatSessionDto[];

  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
