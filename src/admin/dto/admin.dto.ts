import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQuery, PageOf } from '../../http/pagination';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ROLE_NAMES, type RoleName } from '../../access/permissions';
import { UserDto } from '../../users/dto/user.dto';
import { IsTimestamp } from '../../http/validation';

export class ListUsersQuery extends CursorQuery({ default: 50, max: 200 }) {
  @ApiPropertyOptional({ description: 'Part of the email address (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class UserPageDto extends PageOf(UserDto) {}

export class AssignRoleDto {
  @ApiProperty({ enum: ROLE_NAMES })
  @IsIn(ROLE_NAMES)
  role!: RoleName;
}

export class UserRoleParams {
  @ApiProperty({ format: 'uuid', description: 'User id' })
  @IsUUID()
  id!: string;

  @ApiProperty({ enum: ROLE_NAMES })
  @IsIn(ROLE_NAMES)
  role!: RoleName;
}

export class PermissionDto {
  @ApiProperty({ example: 'read' })
  action!: string;

  @ApiProperty({ example: 'Notebook' })
  subject!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { ownerId: '${user.id}' },
  })
  conditions!: Record<string, unknown> | null;
}

export class RoleDto {
  @ApiProperty({ enum: ROLE_NAMES })
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ type: [PermissionDto] })
  permissions!: PermissionDto[];
}

export class AuditQuery extends CursorQuery({ default: 100, max: 500 }) {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ example: 'auth.login.failed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  to?: Date;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  actorId!: string | null;

  @ApiProperty({ example: 'user.role.added' })
  action!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  targetType!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  targetId!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  ip!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  requestId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

export class AuditPageDto extends PageOf(AuditEventDto) {}
