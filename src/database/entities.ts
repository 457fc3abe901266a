import { Role, RolePermission, UserRole } from '../access/role.entity';
import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { AuthSession, RefreshToken } from '../auth/session.entity';
import { ChatMessage, ChatSession } from '../chat/chat-session.entity';
import { Chunk } from '../chunks/chunk.entity';
import { ChunkWrite } from '../chunks/chunk-write.entity';
import { Notebook, NotebookGrant } from '../notebooks/notebook.entity';
import { JobEntity } from '../queue/job.entity';
import { UserSecret } from '../secrets/user-secret.entity';
import { Source, SourceText } from '../sources/source.entity';
import { Summary } from '../summaries/summary.entity';
import { BlobPart } from '../storage/blob-part.entity';
import { User } from '../users/user.entity';
import { BaseEntity, SoftDeletableEntity } from './base.entity';

/** Every entity, for the application and for the MikroORM CLI (migration:create). */
export const ENTITIES = [
  BaseEntity,
  SoftDeletableEntity,
  JobEntity,
  User,
  Role,
  RolePermission,
  UserRole,
  AuthSession,
  RefreshToken,
  ApiKey,
  UserSecret,
  AuditEvent,
  Notebook,
  NotebookGrant,
  Source,
  SourceText,
  BlobPart,
  Chunk,
  ChunkWrite,
  Summary,
  ChatSession,
  ChatMessage,
];
