import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLE_NAMES, type RoleName } from '../../access/permissions';
import { type User } from '../user.entity';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Ada Lovelace' })
  name!: string | null;

  @ApiProperty({ enum: ROLE_NAMES, description: 'The most powerful of the user’s roles' })
  role!: RoleName;

  @ApiProperty({ enum: ROLE_NAMES, isArray: true })
  roles!: RoleName[];

  @ApiProperty({ enum: ['active', 'deactivated'] })
  status!: 'active' | 'deactivated';

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

const RANK: Record<RoleName, number> = { admin: 3, user: 2, viewer: 1 };

export function primaryRole(roles: readonly RoleName[]): RoleName {
  return [...roles].sort((a, b) => RANK[b] - RANK[a])[0] ?? 'viewer';
}

/** The only way a user leaves the server: no password hash, nothing else by accident. */
export function toUserDto(user: User, roles: readonly RoleName[]): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name ?? null,
    role: primaryRole(roles),
    roles: [...roles],
    status: user.deactivatedAt ? 'deactivated' : 'active',
    createdAt: user.createdAt.toISOString(),
  };
}
