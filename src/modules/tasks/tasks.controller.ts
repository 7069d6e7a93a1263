import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { UuidPipe } from '../../common/validation/uuid.pipe.js';
import { ListTasksQueryDto } from './dto/list-tasks.query.dto.js';
import { TaskResponseDto } from './dto/task.response.dto.js';
import { TasksService } from './tasks.service.js';

@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  /** Long-running tasks (installs, upgrades, backtests, …), newest first: yours and the system's (superusers: all). */
  @Get()
  @ApiEnvelope(TaskResponseDto, { paginated: 'tasks' })
  listTasks(@CurrentUser() user: AuthUser, @Query() query: ListTasksQueryDto) {
    return this.tasks.list(user, query);
  }

  @Get(':id')
  @ApiEnvelope(TaskResponseDto)
  @ApiErrors('TASK_NOT_FOUND')
  getTask(@CurrentUser() user: AuthUser, @Param('id', UuidPipe) id: string) {
    return this.tasks.get(user, id);
  }

  /** Stops the task (its child processes are killed) and ends it REVOKED. System tasks: superusers only. */
  @Post(':id/cancel')
  @ApiEnvelope(TaskResponseDto)
  @ApiErrors('TASK_NOT_FOUND', 'FORBIDDEN', 'TASK_NOT_CANCELLABLE')
  cancelTask(@CurrentUser() user: AuthUser, @Param('id', UuidPipe) id: string) {
    return this.tasks.cancel(user, id);
  }
}
