import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One validation problem: which field, and why. */
export class ErrorDetailDto {
  @ApiProperty({ example: 'email', description: 'Dotted path of the offending field' })
  field!: string;

  @ApiProperty({ example: 'email must be an email', description: 'What is wrong with it' })
  message!: string;
}

/** The single shape of every error Folio returns. */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'Validation failed' })
  message!: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];

  @ApiProperty({ example: '0b7f6c1e-6f5a-4d8e-9a43-8f0f4c1d2e3a' })
  requestId!: string;
}
