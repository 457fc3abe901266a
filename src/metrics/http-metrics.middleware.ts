import type { NextFunction, Request, Response } from 'express';
import { type MetricsService } from './metrics.service';

/**
 * Observes every request's duration, labelled by the matched route *template* (never the raw
 * URL, which would explode label cardinality and could leak ids); unmatched requests share one
 * label.
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpRequestDuration.startTimer();
    res.once('close', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      // Nest answers unknown paths from a catch-all route ("{/*splat}"): count those as unmatched too.
      const route = typeof template === 'string' && !template.includes('*') ? `${req.baseUrl}${template}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
