import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import type { JsonObject } from '../../common/types/json.js';
import { readStoredCandles } from '../datasets/dataset-files.js';
import type { Dataset } from '../datasets/datasets.service.js';
import { SignalsQueryService } from '../signals/signals-query.service.js';
import type { Strategy } from '../strategies/strategies.service.js';
import type { TaskContext } from '../tasks/task-runner.service.js';
import type { Evaluation } from './entities/evaluation.entity.js';
import { renderQualityReport } from './evaluation-report.js';
import { EvaluationStatusRecorder } from './evaluation-status.recorder.js';
import { signalQuality } from './signal-quality.js';

const MAX_QUALITY_SIGNALS = 100_000;

/** A `signal_quality` evaluation: the journal's signals scored against the dataset's candles. */
@Injectable()
export class SignalQualityEvaluationRunner {
  constructor(
    private readonly signals: SignalsQueryService,
    private readonly status: EvaluationStatusRecorder,
  ) {}

  async run(
    row: Evaluation,
    strategy: Strategy,
    dataset: Dataset,
    reportDir: string,
    ctx: TaskContext,
  ): Promise<JsonObject> {
    await this.status.running(row.id);
    try {
      const signals = await this.signals.forEvaluation(row.userId, {
        strategyId: strategy.id,
        pair: dataset.pair,
        timeframe: dataset.timeframe,
        from: row.startDate ?? new Date(0),
        to: row.endDate ?? new Date(8.64e15),
        limit: MAX_QUALITY_SIGNALS,
      });
      ctx.progress(30, `${signals.length} signals`);
      const candles = await readStoredCandles(dataset.filePath);
      const quality = signalQuality(signals, candles);
      const charts: JsonObject[] = Object.entries(quality.by_strength_level).map(([level, g]) => ({
        type: 'signal_quality',
        data: g.horizons.map((h) => ({
          horizon: h.horizon,
          mean_return: h.mean_return,
          hit_rate: h.hit_rate,
        })),
        config: { strength_level: level, signals: g.signals },
      }));
      const results = {
        ...(quality as unknown as JsonObject),
        truncated: signals.length === MAX_QUALITY_SIGNALS,
      };
      const reportPath = path.join(reportDir, 'report.html');
      await mkdir(reportDir, { recursive: true });
      await writeFile(reportPath, renderQualityReport(row.name, strategy.name, dataset, quality));
      await this.status.completed(row.id, { results, charts, reportPath });
      ctx.progress(100, 'completed');
      return { evaluation_id: row.id, signals: signals.length };
    } catch (err) {
      await this.status.ended(row.id, ctx.signal.aborted, (err as Error).message);
      throw err;
    }
  }
}
