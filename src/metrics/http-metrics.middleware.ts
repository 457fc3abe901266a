import type { NextFunction, Request, Response } from 'express';
import { type MetricsService } from './metrics.service';

/**
 * Observes every request's duration, labelled by the matched route *template* (never the raw
 * URL, which would explode label cardinality and could leak ids); unmatched requests share one
 * label. Every response also says how long Folio took to produce it, in a `Server-Timing`
 * header (`app;dur=<ms>`, up to the status line: for a stream, the time to its first byte), so
 * clients and benchmarks can tell server time from network and queueing.
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpRequestDuration.startTimer();
    const started = performance.now();
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      if (!res.headersSent) res.setHeader('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
      return writeHead(...args);
    }) as Response['writeHead'];
    res.once('close', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      // Nest answers unknown paths from a catch-all route ("{/*splat}"): count those as unmatched too.
      const route = typeof template === 'string' && !template.includes('*') ? `${req.baseUrl}${template}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
