import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { EnvSchema } from './env.schema';

const root = join(__dirname, '../..');

function schemaVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvSchema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function schemaDefault(name: string): string {
  const value = (new EnvSchema() as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function envExample(): Map<string, string> {
  const entries = readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => {
      const [name, ...rest] = line.split('=');
      return [name, rest.join('=')] as [string, string];
    });
  return new Map(entries);
}

function readmeTable(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(join(root, 'README.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!name || cells.length < 4) continue;
    rows.set(name, (cells[2] ?? '').replace(/`/g, '').replace(/^_\((unset|empty)\)_$/, ''));
  }
  return rows;
}

/** Variables docker/docker-compose.yml reads from `.env` (`${NAME…}`). */
function composeVariables(): string[] {
  const compose = readFileSync(join(root, 'docker/docker-compose.yml'), 'utf8');
  return [...new Set([...compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]))].sort();
}

describe('configuration documentation', () => {
  const variables = schemaVariables();

  it('.env.example documents every variable, with the default value, and what Docker asks for', () => {
    const example = envExample();
    const dockerOnly = composeVariables().filter((name) => !variables.includes(name));
    expect([...example.keys()].sort()).toEqual([...variables, ...dockerOnly].sort());
    for (const name of variables) expect(`${name}=${example.get(name)}`).toBe(`${name}=${schemaDefault(name)}`);
  });

  it('the README table lists every variable, with the default value', () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(variables);
    for (const name of variables) expect(`${name}=${table.get(name)}`).toBe(`${name}=${schemaDefault(name)}`);
  });
});
