import { SecretsService } from '../secrets/secrets.service';
import { runTool } from './app-context';

/**
 * `npm run keys:rotate`: after putting a new key first in VAULT_KEYS (keeping the old ones after
 * it), re-encrypts every stored secret with the new key. Old keys can be removed afterwards.
 */
runTool('keys:rotate', async (app) => {
  const { rotated, activeKeyId } = await app.get(SecretsService).rotateAll();
  process.stdout.write(`re-encrypted ${rotated} secret(s) with key ${activeKeyId}\n`);
});
