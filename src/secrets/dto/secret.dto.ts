import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class PutGithubTokenDto {
  @ApiProperty({ description: 'A GitHub personal access token (classic or fine-grained)', example: 'github_pat_…' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'token must contain only letters, digits and underscores' })
  token!: string;
}

/** All a secret ever shows of itself. */
export class SecretStatusDto {
  @ApiProperty()
  set!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'a1B2' })
  last4!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  updatedAt!: string | null;
}
