import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Task } from './entities/task.entity.js';
import { TaskLiveness } from './task-liveness.service.js';
import { TaskRecords } from './task-records.service.js';
import { TaskRunner } from './task-runner.service.js';
import { DEFAULT_TASK_TIMING, TASK_TIMING, TASK_WORKER_ID, defaultWorkerId } from './task-timing.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

/** Long-running work as rows in `tasks`; other modules submit through the exported TaskRunner. */
@Module({
  imports: [TypeOrmModule.forFeature([Task])],
  controllers: [TasksController],
  providers: [
    TaskRunner,
    TaskRecords,
    TaskLiveness,
    TasksService,
    { provide: TASK_TIMING, useValue: DEFAULT_TASK_TIMING },
    { provide: TASK_WORKER_ID, useFactory: defaultWorkerId },
  ],
  exports: [TaskRunner],
})
export class TasksModule {}
