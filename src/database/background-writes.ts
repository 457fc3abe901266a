import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sleep } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/** Longest a background write waits for the requests in progress to get their answers. */
const YIELD_MAX_MS = 50;

/**
 * Large background writes (batches of chunks and summary nodes) go through here. On a server,
 * Postgres runs them side by side with everything else, so they run at once. The embedded
 * Postgres runs one statement (or transaction) at a time, in arrival order, and every request
 * waits behind what is queued: four ingestion jobs writing at once made API p95 146 ms during a
 * batch (bench:ingest fairness, zero-setup mode). There, background writes take turns, one in the
 * queue at a time, and each first lets the requests in progress (up to their first byte) go
 * ahead, for at most YIELD_MAX_MS.
 */
@Injectable()
export class BackgroundWrites {
  private readonly serial: boolean;
  private tail: Promise<unknown> = Promise.resolve();
  private requests = 0;

  constructor(@InjectConfig() config: AppConfig) {
    this.serial = !config.database.url;
  }

  run<T>(write: () => Promise<T>): Promise<T> {
    if (!this.serial) return write();
    const turn = async (): Promise<T> => {
      const until = Date.now() + YIELD_MAX_MS;
      while (this.requests > 0 && Date.now() < until) await sleep(2);
      return write();
    };
    const result = this.tail.then(turn, turn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Express middleware counting requests until their headers go out (so an event stream counts
   * only until it starts); only in zero-setup mode.
   */
  trackRequests(): (req: Request, res: Response, next: NextFunction) => void {
    return (_req, res, next) => {
      if (!this.serial) return next();
      this.requests++;
      let counted = true;
      const done = (): void => {
        if (!counted) return;
        counted = false;
        this.requests--;
      };
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
      res.writeHead = ((...args: unknown[]) => {
        done();
        return writeHead(...args);
      }) as typeof res.writeHead;
      res.once('close', done);
      next();
    };
  }
}
