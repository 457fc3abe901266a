// Runs PGlite (Postgres compiled to WASM) with the pgvector and btree_gin extensions in a worker thread and
// serves it on a private Unix socket, so MikroORM reaches it through the same `pg` driver it
// uses for a real server and query work stays off the HTTP event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** @type {{ dataDir: string | undefined, socketPath: string, maxConnections: number }} */
const { dataDir, socketPath, maxConnections } = workerData;

let db;
let server;
try {
  db = await PGlite.create({ dataDir, extensions: { vector, btree_gin } });
  server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

parentPort.on('message', async (message) => {
  if (message?.type !== 'stop') return;
  try {
    await server.stop();
    await db.close(); // flushes the data directory
    parentPort.postMessage({ type: 'stopped' });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
  process.exit(0);
});
