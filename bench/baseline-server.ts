// The bare baseline for bench:http: Express + pg doing the same database work as Folio's
// GET /api/v1/jobs/:id (one primary-key read, the same JSON), with none of Folio's machinery.
import express from 'express';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const app = express();
app.disable('x-powered-by');

app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/api/v1/jobs/:id', async (req, res) => {
  try {
    const { rows } = await pool.query(
      `select id, queue, name, state, progress, detail, result, attempts, max_attempts, error,
              created_at, updated_at, started_at, finished_at from jobs where id = $1`,
      [req.params.id],
    );
    const job = rows[0] as Record<string, unknown> | undefined;
    if (!job) {
      res.status(404).json({ statusCode: 404, message: 'Job not found' });
      return;
    }
    res.json({
      id: job.id,
      queue: job.queue,
      name: job.name,
      state: job.state,
      progress: job.progress,
      detail: job.detail,
      result: job.result,
      attempts: job.attempts,
      maxAttempts: job.max_attempts,
      error: job.error,
      createdAt: job.created_at,
      updatedAt: job.updated_at,
      startedAt: job.started_at,
      finishedAt: job.finished_at,
    });
  } catch {
    res.status(500).json({ statusCode: 500, message: 'Internal server error' });
  }
});

const server = app.listen(Number(process.env.PORT ?? 3802), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
});
