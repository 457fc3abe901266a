import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const NOTEBOOK_MODEL = /^notebook:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export class OpenAiMessageDto {
  @ApiProperty({ enum: ['system', 'developer', 'user', 'assistant', 'tool'] })
  @IsIn(['system', 'developer', 'user', 'assistant', 'tool'])
  role!: string;

  @ApiProperty({ description: 'Text, or an array of content parts of which the text parts are used' })
  @Allow()
  content!: unknown;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

class StreamOptionsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

/**
 * `POST /v1/chat/completions`, as OpenAI clients send it. Sampling options are accepted (clients
 * and chat UIs send them) but the deployment's model settings apply.
 */
export class ChatCompletionRequestDto {
  @ApiProperty({ example: 'notebook:0190f3a0-0000-7000-8000-000000000000' })
  @IsString()
  @Matches(NOTEBOOK_MODEL, { message: 'model must be notebook:<notebook id> (see GET /v1/models)' })
  model!: string;

  @ApiProperty({ type: [OpenAiMessageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => OpenAiMessageDto)
  messages!: OpenAiMessageDto[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber()
  temperature?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber()
  top_p?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  max_tokens?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  max_completion_tokens?: number;

  @ApiPropertyOptional({ description: 'Only 1 is supported' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1)
  n?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber()
  presence_penalty?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber()
  frequency_penalty?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  seed?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @Allow()
  stop?: unknown;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  user?: string;
}

export class ModelDto {
  @ApiProperty({ example: 'notebook:0190f3a0-0000-7000-8000-000000000000' })
  id!: string;

  @ApiProperty({ example: 'model' })
  object!: 'model';

  @ApiProperty({ description: 'Unix seconds' })
  created!: number;

  @ApiProperty({ description: 'The notebook name' })
  owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ example: 'list' })
  object!: 'list';

  @ApiProperty({ type: [ModelDto] })
  data!: ModelDto[];
}
