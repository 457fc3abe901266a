import { Global, Module } from '@nestjs/common';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AuditEvent } from './audit-event.entity';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEvent])],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
