import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { JsonObject } from '../../common/types/json.js';
import { Evaluation } from './entities/evaluation.entity.js';

/** What a finished evaluation keeps. */
export interface EvaluationOutcome {
  results: JsonObject;
  charts: JsonObject[];
  reportPath: string;
}

/**
 * The status moves every kind of evaluation makes, in one place: running, completed with its
 * figures, or failed/cancelled with the reason — so the runners only say which.
 */
@Injectable()
export class EvaluationStatusRecorder {
  private readonly logger = new Logger(EvaluationStatusRecorder.name);

  constructor(@InjectRepository(Evaluation) private readonly evaluations: Repository<Evaluation>) {}

  async running(id: number): Promise<void> {
    await this.evaluations.update(id, { status: 'running' });
  }

  async completed(id: number, outcome: EvaluationOutcome): Promise<void> {
    const patch: Partial<Evaluation> = {
      status: 'completed',
      ...outcome,
      completedAt: new Date(),
      errorMessage: null,
    };
    await this.evaluations.update(id, patch as QueryDeepPartialEntity<Evaluation>);
  }

  /**
   * Records why the run ended early. Never throws: the task's own error is what the caller
   * rethrows, and a second failure here must not hide it.
   */
  async ended(id: number, cancelled: boolean, message: string): Promise<void> {
    await this.evaluations
      .update(id, {
        status: cancelled ? 'cancelled' : 'failed',
        errorMessage: (cancelled ? 'cancelled' : message).slice(0, 4000),
        completedAt: new Date(),
      })
      .catch((e: unknown) => this.logger.error(`evaluation ${id}: ${(e as Error).message}`));
  }
}
