import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppConfig } from './app-config';

interface LocalSecrets {
  jwtSecret: string;
  vaultKeys: { id: string; key: string }[];
}

/**
 * Zero-setup mode needs a token-signing secret and a vault key but asks nothing of the user:
 * generate them once, keep them in DATA_DIR/secrets.json (mode 0600) beside the embedded
 * database they protect, and reuse them on every start. Explicit settings always win; server
 * mode requires them (loadConfig refuses to start otherwise).
 */
export function withLocalSecrets(config: AppConfig): AppConfig {
  if (config.auth.jwtSecret && config.vaultKeys.length > 0) return config;
  const file = join(config.dataDir, 'secrets.json');
  let secrets: LocalSecrets;
  if (existsSync(file)) {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  } else {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    secrets = {
      jwtSecret: randomBytes(48).toString('base64url'),
      vaultKeys: [{ id: 'local1', key: randomBytes(32).toString('base64') }],
    };
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  return {
    ...config,
    auth: { ...config.auth, jwtSecret: config.auth.jwtSecret ?? secrets.jwtSecret },
    vaultKeys:
      config.vaultKeys.length > 0
        ? config.vaultKeys
        : secrets.vaultKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') })),
  };
}
