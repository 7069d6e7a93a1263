import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, type SelectQueryBuilder } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import { Task } from './entities/task.entity.js';
import { toTaskResponse, type TaskResponseDto } from './dto/task.response.dto.js';
import type { ListTasksQueryDto } from './dto/list-tasks.query.dto.js';
import { TaskRunner } from './task-runner.service.js';

/**
 * The tasks API. A user sees their own tasks and the system's (user_id null); a superuser sees
 * all. Only the owner — or a superuser, for anyone's and for system tasks — may cancel.
 */
@Injectable()
export class TasksService {
  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    private readonly runner: TaskRunner,
  ) {}

  async list(user: AuthUser, q: ListTasksQueryDto): Promise<Page<TaskResponseDto>> {
    const qb = this.visible(user).orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC');
    if (q.status) qb.andWhere('t.status = :status', { status: q.status });
    if (q.task_name) qb.andWhere('t.task_name = :name', { name: q.task_name });
    if (q.related_type) qb.andWhere('t.related_type = :rtype', { rtype: q.related_type });
    if (q.related_id) qb.andWhere('t.related_id = :rid', { rid: q.related_id });
    const [items, total] = await qb.skip(offsetOf(q)).take(q.page_size).getManyAndCount();
    return new Page('tasks', items.map(toTaskResponse), q.page, q.page_size, total);
  }

  async get(user: AuthUser, id: string): Promise<TaskResponseDto> {
    return toTaskResponse(await this.find(user, id));
  }

  async cancel(user: AuthUser, id: string): Promise<TaskResponseDto> {
    const task = await this.find(user, id);
    if (!user.isSuperuser && task.userId !== user.id)
      throw new AppException('FORBIDDEN', { id }, 'Only a superuser may cancel a system task');
    return this.runner.cancel(id);
  }

  private async find(user: AuthUser, id: string): Promise<Task> {
    const task = await this.visible(user).andWhere('t.id = :id', { id }).getOne();
    if (!task) throw new AppException('TASK_NOT_FOUND', { id });
    return task;
  }

  private visible(user: AuthUser): SelectQueryBuilder<Task> {
    const qb = this.tasks.createQueryBuilder('t');
    if (!user.isSuperuser)
      qb.where(new Brackets((w) => w.where('t.user_id = :me', { me: user.id }).orWhere('t.user_id IS NULL')));
    return qb;
  }
}
