// Configuration for the MikroORM CLI (`npx mikro-orm migration:create`, `migration:list`, ...).
// Point DATABASE_URL at a development database that has every migration applied; the CLI diffs
// the entities against it. The application itself does not read this file.
import 'reflect-metadata';
import { buildOrmOptions } from '../src/database/orm-options';

const clientUrl = process.env.DATABASE_URL;
if (!clientUrl) throw new Error('set DATABASE_URL to a development database to use the MikroORM CLI');

export default buildOrmOptions({ clientUrl, poolSize: 2 }, { entities: 'glob' });
