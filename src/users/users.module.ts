import { Module } from '@nestjs/common';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { User } from './user.entity';
import { UserRole } from './user-role.entity';

@Module({
  imports: [MikroOrmModule.forFeature([User, UserRole])],
  providers: [UsersRepository, UsersService],
  exports: [UsersService],
})
export class UsersModule {}
