import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type JobEntity, JobState } from '../job.entity';

export class JobDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'maintenance' })
  queue!: string;

  @ApiProperty({ example: 'maintenance.purge-finished-jobs' })
  name!: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The notebook it works in' })
  notebookId!: string | null;

  @ApiProperty({ enum: Object.values(JobState) })
  state!: JobState;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  detail!: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  result!: Record<string, unknown> | null;

  @ApiProperty()
  attempts!: number;

  @ApiProperty()
  maxAttempts!: number;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Last error message' })
  error!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;
}

export function toJobDto(job: JobEntity): JobDto {
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    notebookId: job.notebookId ?? null,
    state: job.state,
    progress: job.progress,
    detail: job.detail ?? null,
    result: job.result ?? null,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error ?? null,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
