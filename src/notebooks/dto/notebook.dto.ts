import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQuery, PageOf } from '../../http/pagination';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { PatchField } from '../../http/validation';
import { GRANT_LEVELS, type GrantLevel } from '../notebook.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateNotebookDto {
  @ApiProperty({ maxLength: 200, example: 'Kestrel runbooks' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

/** A JSON merge patch: fields left out stay as they are, `description: null` clears it. */
export class UpdateNotebookDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'Left out: unchanged. Cannot be null.' })
  @PatchField({ nullable: false })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    maxLength: 2000,
    nullable: true,
    type: String,
    description: 'Left out: unchanged; null: cleared',
  })
  @PatchField({ nullable: true })
  @IsString()
  @MaxLength(2000)
  description?: string | null;
}

export class ListNotebooksQuery extends CursorQuery({ default: 20, max: 100 }) {
  @ApiPropertyOptional({ description: 'Part of the name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

export const ACCESS_LEVELS = ['owner', 'editor', 'viewer'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export class NotebookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ format: 'uuid' })
  ownerId!: string;

  @ApiProperty({ enum: ACCESS_LEVELS, description: 'What the caller may do here (administrators act as owners)' })
  access!: AccessLevel;

  @ApiProperty()
  sourceCount!: number;

  @ApiProperty()
  chunkCount!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last change to the notebook or any of its sources' })
  lastUpdatedAt!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Set while in the trash' })
  deletedAt!: string | null;
}

export class NotebookPageDto extends PageOf(NotebookDto) {}

export class GrantAccessDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The user to share with (or give `email`)' })
  @ValidateIf((o: GrantAccessDto) => o.email === undefined)
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'The user to share with (or give `userId`)' })
  @ValidateIf((o: GrantAccessDto) => o.userId === undefined)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  email?: string;

  @ApiProperty({ enum: GRANT_LEVELS })
  @IsIn(GRANT_LEVELS)
  level!: GrantLevel;
}

export class NotebookGrantDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ enum: ACCESS_LEVELS })
  level!: AccessLevel;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  grantedAt!: string | null;
}

export class AdminCreateNotebookDto extends CreateNotebookDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Owner (or give `ownerEmail`)' })
  @ValidateIf((o: AdminCreateNotebookDto) => o.ownerEmail === undefined)
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ description: 'Owner (or give `ownerId`)' })
  @ValidateIf((o: AdminCreateNotebookDto) => o.ownerId === undefined)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  ownerEmail?: string;
}
