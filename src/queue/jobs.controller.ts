import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { Public } from '../http/public.decorator';
import { JobDto } from './dto/job.dto';
import { JobsService } from './jobs.service';

// Foundation: job records are readable by id without credentials; access control arrives with identity.
@Public()
@ApiTags('jobs')
@Controller(`${API_V1}/jobs`)
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @ApiOperation({ operationId: 'getJob', summary: 'Get a background job: state, progress, error, timestamps' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDto> {
    return this.jobs.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelJob', summary: 'Cancel a job that has not finished' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDto> {
    return this.jobs.cancel(id);
  }
}
