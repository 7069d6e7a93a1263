import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { JsonObject } from '../../common/types/json.js';
import { timeframeMs } from '../freqtrade/health/health-score.js';
import type { TaskContext } from '../tasks/task-runner.service.js';
import { isComplete, type Candle } from './candles/candle.js';
import { candleStatistics } from './candles/candle-statistics.js';
import { DatasetFiles } from './dataset-files.js';
import { Dataset, type DatasetColumn } from './entities/dataset.entity.js';

const COLUMNS: DatasetColumn[] = [
  { name: 'timestamp', type: 'datetime', description: 'Candle open time (UTC)' },
  { name: 'open', type: 'float64', description: 'Open price' },
  { name: 'high', type: 'float64', description: 'Highest price' },
  { name: 'low', type: 'float64', description: 'Lowest price' },
  { name: 'close', type: 'float64', description: 'Close price' },
  { name: 'volume', type: 'float64', description: 'Traded volume (base currency)' },
];

/**
 * How every dataset flow (upload, preprocess, download) ends: candles written in freqtrade's layout
 * with their statistics and the row marked ready, or the row marked `error` with the reason.
 */
@Injectable()
export class DatasetStore {
  private readonly logger = new Logger(DatasetStore.name);

  constructor(
    @InjectRepository(Dataset) private readonly datasets: Repository<Dataset>,
    private readonly files: DatasetFiles,
  ) {}

  /** Writes freqtrade's file and the statistics, and marks the dataset ready. */
  async write(
    row: Dataset,
    candles: Candle[],
    normalized: boolean,
    ctx: TaskContext,
    extraStats: JsonObject,
    badRows: JsonObject | null = null,
  ): Promise<void> {
    const stats = candleStatistics(candles, timeframeMs(row.timeframe)!);
    ctx.signal.throwIfAborted();
    ctx.progress(80, 'writing freqtrade data');
    const size = await this.files.writeCandles(row.filePath, candles);
    const complete = candles.every(isComplete);
    const patch: Partial<Dataset> = {
      status: 'ready',
      filePath: row.filePath,
      errorMessage: null,
      rowCount: candles.length,
      columnCount: COLUMNS.length,
      columns: COLUMNS,
      statistics: { ...(stats as unknown as JsonObject), ...extraStats, normalized },
      sampleData: candles.slice(0, 10).map(sampleRow),
      firstCandleAt: candles.length ? new Date(candles[0]!.t) : null,
      lastCandleAt: candles.length ? new Date(candles.at(-1)!.t) : null,
      backtestable: complete && !normalized,
      fileSize: row.fileType === 'derived' ? size : row.fileSize,
      lineage: row.lineage,
      badRows,
      processedAt: new Date(),
    };
    // TypeORM's deep-partial type cannot follow the recursive JSON type of the jsonb columns.
    await this.datasets.update(row.id, patch as QueryDeepPartialEntity<Dataset>);
    ctx.progress(100, `${candles.length} candles ready`);
  }

  async fail(id: number, message: string): Promise<void> {
    await this.datasets
      .update(id, { status: 'error', errorMessage: message.slice(0, 2000) })
      .catch((err: unknown) => {
        this.logger.error(`dataset ${id}: could not record the failure: ${(err as Error).message}`);
      });
  }
}

function sampleRow(c: Candle): JsonObject {
  return { timestamp: new Date(c.t).toISOString(), open: c.o, high: c.h, low: c.l, close: c.c, volume: c.v };
}
