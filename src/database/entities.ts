import { JobEntity } from '../queue/job.entity';
import { BaseEntity, SoftDeletableEntity } from './base.entity';

/** Every entity, for the application and for the MikroORM CLI (migration:create). */
export const ENTITIES = [BaseEntity, SoftDeletableEntity, JobEntity];
