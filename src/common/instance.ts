import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This process among Folio's instances: host, pid and a random tag (a pid is reused after a restart). */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
