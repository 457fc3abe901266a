import { EmbeddingIndex } from '../chunks/embedding-index';
import { EmbeddingProvider } from '../embeddings/embedding-provider';
import { SourcesService } from '../sources/sources.service';
import { runTool } from './app-context';

const ACTIVE = ['queued', 'parsing', 'chunking', 'embedding', 'storing'] as const;
const POLL_MS = 1000;

/**
 * `npm run reindex [-- --all]`: after a change of embedding model (EMBEDDING_PROVIDER,
 * EMBEDDING_MODEL or EMBEDDING_DIMENSIONS), ingests again every source whose chunks were embedded
 * by another model — or, with `--all`, every source (e.g. after changing the chunking settings).
 * This process runs the jobs itself (in server mode together with the running instances) and
 * waits for them; when all succeed, the vector indexes of other dimensions are dropped.
 * Meanwhile search sees only chunks of the configured model.
 */
runTool(
  'reindex',
  async (app) => {
    const all = process.argv.includes('--all');
    const model = app.get(EmbeddingProvider);
    const sources = app.get(SourcesService);
    const ids = await sources.idsToReindex(all ? undefined : model.id);
    process.stdout.write(`${ids.length} source(s) to ingest again with ${model.id}\n`);
    if (ids.length > 0) {
      await sources.requeue(ids);
      const started = Date.now();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const counts = await sources.statusCounts(ids);
        const active = ACTIVE.reduce((n, status) => n + (counts[status] ?? 0), 0);
        const seconds = Math.round((Date.now() - started) / 1000);
        process.stdout.write(
          `  ${seconds}s: ${counts.ready ?? 0} ready, ${counts.failed ?? 0} failed, ${active} to go\n`,
        );
        if (active === 0) {
          const total = Object.values(counts).reduce((n, count) => n + count, 0); // deleted meanwhile: gone
          const unfinished = total - (counts.ready ?? 0);
          if (unfinished > 0) {
            throw new Error(`${unfinished} source(s) did not finish (see their errors); indexes were kept`);
          }
          break;
        }
      }
    }
    await app.get(EmbeddingIndex).dropOthers(model.dimensions);
    process.stdout.write('done\n');
  },
  { worker: true },
);
