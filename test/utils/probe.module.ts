import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../src/access/policy.decorator';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

class EchoDto {
  @IsString()
  @MaxLength(20)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  count?: number;
}

class SlowQuery {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  ms!: number;
}

/** Test-only routes that exercise the HTTP surface: validation, unexpected errors, slow requests. */
@Public()
@ApiExcludeController()
@Controller('api/v1/test-probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail: password=hunter2 at /etc/folio/db.conf');
  }

  @Get('slow')
  async slow(@Query() query: SlowQuery): Promise<{ sleptMs: number }> {
    await new Promise((resolve) => setTimeout(resolve, query.ms));
    return { sleptMs: query.ms };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
