import { Module } from '@nestjs/common';
import { JobsController } from './jobs.controller';

/** `/api/v1/jobs`: the job records (JobsService, from the global queue module) as an API. */
@Module({ controllers: [JobsController] })
export class JobsModule {}
