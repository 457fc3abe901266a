import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { JOB_HANDLER_METADATA, type JobHandlerOptions, JobProcessor } from './job-handler.decorator';
import { type JobHandlerFn } from './job.types';

export interface RegisteredHandler {
  queue: string;
  name: string;
  handle: JobHandlerFn;
}

/** Collects every `@JobHandler` method of every `@JobProcessor` provider at boot. */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: JobProcessor.KEY })) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const options = this.reflector.get<JobHandlerOptions | undefined>(JOB_HANDLER_METADATA, fn);
        if (!options) continue;
        if (this.handlers.has(options.name)) {
          throw new Error(`job "${options.name}" has two handlers`);
        }
        this.handlers.set(options.name, { ...options, handle: (fn as JobHandlerFn).bind(instance) });
      }
    }
  }

  get(name: string): RegisteredHandler | undefined {
    return this.handlers.get(name);
  }

  /** Queues that have at least one handler, i.e. that this process must work on. */
  queues(): string[] {
    return [...new Set([...this.handlers.values()].map((h) => h.queue))];
  }
}
