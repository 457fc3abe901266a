import { Controller, Get, HttpCode, type MessageEvent, Param, ParseUUIDPipe, Post, Sse } from '@nestjs/common';
import { type Observable } from 'rxjs';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { JobDto } from '../queue/dto/job.dto';
import { JobsService } from '../queue/jobs.service';

@ApiTags('jobs')
@Controller(`${API_V1}/jobs`)
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @Authorize('read', 'Job')
  @ApiOperation({
    operationId: 'getJob',
    summary: 'Get one of your background jobs: state, progress, error, timestamps',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  get(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<JobDto> {
    return this.jobs.get(auth, id);
  }

  @Sse(':id/events')
  @Authorize('read', 'Job')
  @ApiOperation({
    operationId: 'jobEvents',
    summary:
      'Server-Sent Events: `state` now, `progress` as it happens (from any instance), `end` with the final record',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream' })
  @ApiErrors(400, 404)
  events(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<Observable<MessageEvent>> {
    return this.jobs.watch(auth, id);
  }

  @Post(':id/cancel')
  @Authorize('update', 'Job')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelJob', summary: 'Cancel one of your jobs that has not finished' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  cancel(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<JobDto> {
    return this.jobs.cancel(auth, id);
  }
}
