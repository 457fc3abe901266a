import { SetMetadata } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { type JobNameOf } from './job.types';

export interface JobHandlerOptions {
  queue: string;
  name: JobNameOf;
}

/** Marks a provider whose methods handle jobs; found at boot by the JobRegistry. */
export const JobProcessor = DiscoveryService.createDecorator<void>();

export const JOB_HANDLER_METADATA = 'folio:job-handler';

/** Marks a method `(payload, context) => Promise<result | void>` as the handler of one job name. */
export const JobHandler = (options: JobHandlerOptions): MethodDecorator => SetMetadata(JOB_HANDLER_METADATA, options);
