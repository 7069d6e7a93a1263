import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { JsonObject } from '../../common/types/json.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { timeframeMs } from '../freqtrade/health/health-score.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.service.js';
import { CandleFileError, parseCandleFile, type CandleFileType } from './candles/candle-parser.js';
import { sortCandles } from './candles/candle-statistics.js';
import {
  PreprocessError,
  applyOperations,
  parseOperations,
  type PreprocessOperation,
} from './candles/preprocess.js';
import { DatasetFiles, readStoredCandles } from './dataset-files.js';
import { DatasetDownloader } from './dataset-downloader.js';
import { DatasetStore } from './dataset-store.js';
import type { DownloadDatasetDto } from './dto/download-dataset.dto.js';
import type { ListDatasetsQueryDto } from './dto/list-datasets.query.dto.js';
import { DatasetResponseDto, type DatasetCreatedDto } from './dto/dataset.response.dto.js';
import type { UploadDatasetDto } from './dto/upload-dataset.dto.js';
import { Dataset } from './entities/dataset.entity.js';

/** The dataset as other modules read it (they go through this service, never the entity's module path). */
export type { Dataset };

/** A file received by the controller, already on disk under DATA_DIR/datasets/.incoming. */
export interface ReceivedFile {
  tempPath: string;
  type: CandleFileType;
  size: number;
}

/**
 * Datasets: uploads are parsed, checked and written in freqtrade's layout by a task; preprocessing
 * makes a new dataset from an existing one, never touching the original.
 */
@Injectable()
export class DatasetsService implements OnModuleInit {
  /** Modules that run work on datasets (evaluations, training) say whether one is in use. */
  private readonly usageChecks: ((datasetId: number) => Promise<string | null>)[] = [];

  constructor(
    @InjectRepository(Dataset) private readonly datasets: Repository<Dataset>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    readonly files: DatasetFiles,
    private readonly store: DatasetStore,
    private readonly downloader: DatasetDownloader,
    private readonly tasks: TaskRunner,
    private readonly exchanges: ExchangeCatalog,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.files.ensureIncoming();
  }

  /** `check` answers why the dataset may not be deleted now (e.g. "evaluation 3 is running"), or null. */
  registerUsageCheck(check: (datasetId: number) => Promise<string | null>): void {
    this.usageChecks.push(check);
  }

  get maxUploadBytes(): number {
    return this.config.datasets.maxBytes;
  }

  newUploadPath(): string {
    return this.files.uploadTempPath(randomUUID());
  }

  async createFromUpload(
    ownerId: number,
    dto: UploadDatasetDto,
    file: ReceivedFile,
  ): Promise<DatasetCreatedDto> {
    const exchange = dto.exchange ?? 'binance';
    if (!(await this.exchanges.has(exchange))) {
      throw new AppException('VALIDATION_ERROR', [
        { field: 'exchange', message: `unknown exchange ${exchange}` },
      ]);
    }
    const row = await this.datasets.save(
      this.datasets.create({
        name: dto.name,
        description: dto.description ?? null,
        exchange,
        pair: dto.pair,
        timeframe: dto.timeframe,
        filePath: this.files.candlePath(0, exchange, dto.pair, dto.timeframe),
        fileSize: file.size,
        fileType: file.type,
        status: 'processing',
        ownerId,
      }),
    );
    const source = this.files.sourcePath(row.id, file.type);
    try {
      await this.files.ensureDir(row.id);
      await rename(file.tempPath, source);
    } catch (err) {
      await this.datasets.delete(row.id);
      throw err;
    }
    row.filePath = this.files.candlePath(row.id, exchange, dto.pair, dto.timeframe);
    return this.startProcessing(row, (ctx) => this.processUpload(row, source, file.type, ctx));
  }

  async preprocess(ownerId: number, id: number, rawOps: unknown, name?: string): Promise<DatasetCreatedDto> {
    const parent = await this.findOwned(ownerId, id);
    if (parent.status !== 'ready') {
      throw new AppException(
        'DATASET_NOT_READY',
        { id, status: parent.status },
        `Dataset ${id} is ${parent.status}, not ready`,
      );
    }
    let ops: PreprocessOperation[];
    try {
      ops = parseOperations(rawOps, timeframeMs);
    } catch (err) {
      if (err instanceof PreprocessError)
        throw new AppException('VALIDATION_ERROR', [{ field: 'operations', message: err.message }]);
      throw err;
    }
    const targetTf = ops.reduce((tf, op) => (op.type === 'resample' ? op.timeframe : tf), parent.timeframe);
    const row = await this.datasets.save(
      this.datasets.create({
        name: name ?? `${parent.name} (preprocessed)`.slice(0, 100),
        description: parent.description,
        exchange: parent.exchange,
        pair: parent.pair,
        timeframe: targetTf,
        filePath: '',
        fileSize: null,
        fileType: 'derived',
        status: 'processing',
        ownerId,
        lineage: { parent_id: parent.id, operations: ops as unknown as JsonObject[] },
      }),
    );
    row.filePath = this.files.candlePath(row.id, row.exchange, row.pair, targetTf);
    return this.startProcessing(row, (ctx) => this.processDerived(row, parent, ops, ctx));
  }

  /** See `DatasetDownloader.start`: one dataset per pair and timeframe, filled by one task. */
  download(
    ownerId: number,
    dto: DownloadDatasetDto,
  ): Promise<{ task_id: string; datasets: DatasetCreatedDto[] }> {
    return this.downloader.start(ownerId, dto);
  }

  async list(ownerId: number, q: ListDatasetsQueryDto): Promise<Page<DatasetResponseDto>> {
    const qb = this.datasets
      .createQueryBuilder('d')
      .where('d.owner_id = :ownerId', { ownerId })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC');
    if (q.pair) qb.andWhere('d.pair = :pair', { pair: q.pair });
    if (q.timeframe) qb.andWhere('d.timeframe = :tf', { tf: q.timeframe });
    if (q.status) qb.andWhere('d.status = :status', { status: q.status });
    // The list leaves out the heavy columns; GET /data/datasets/{id} has them.
    const [items, total] = await qb.skip(offsetOf(q)).take(q.page_size).getManyAndCount();
    return new Page(
      'datasets',
      items.map((d) => ({ ...DatasetResponseDto.from(d), statistics: null, sample_data: null })),
      q.page,
      q.page_size,
      total,
    );
  }

  async get(ownerId: number, id: number): Promise<DatasetResponseDto> {
    return DatasetResponseDto.from(await this.findOwned(ownerId, id));
  }

  async remove(ownerId: number, id: number): Promise<null> {
    const d = await this.findOwned(ownerId, id);
    if (d.status === 'processing' || d.status === 'uploading') {
      throw new AppException(
        'DATASET_BUSY',
        { id, task_id: d.taskId },
        `Dataset ${id} is being processed; cancel task ${d.taskId} first`,
      );
    }
    for (const check of this.usageChecks) {
      const busy = await check(d.id);
      if (busy)
        throw new AppException('DATASET_BUSY', { id, reason: busy }, `Dataset ${id} is in use: ${busy}`);
    }
    await this.datasets.delete(d.id);
    await this.files.remove(d.id);
    return null;
  }

  async findOwned(ownerId: number, id: number): Promise<Dataset> {
    const d = await this.datasets.findOneBy({ id, ownerId });
    if (!d) throw new AppException('DATASET_NOT_FOUND', { id });
    return d;
  }

  private async startProcessing(
    row: Dataset,
    work: (ctx: TaskContext) => Promise<JsonObject>,
  ): Promise<DatasetCreatedDto> {
    const task = await this.tasks.submit(
      {
        taskName: 'dataset.process',
        args: { dataset_id: row.id },
        userId: row.ownerId,
        relatedType: 'dataset',
        relatedId: String(row.id),
      },
      async (ctx) => {
        try {
          return await work(ctx);
        } catch (err) {
          await this.store.fail(
            row.id,
            ctx.signal.aborted ? 'processing was cancelled' : (err as Error).message,
          );
          throw err;
        }
      },
    );
    await this.datasets.update(row.id, { taskId: task.id, filePath: row.filePath });
    return {
      id: row.id,
      name: row.name,
      status: 'processing',
      upload_progress: 100,
      processing_progress: 0,
      task_id: task.id,
    };
  }

  private async processUpload(
    row: Dataset,
    source: string,
    type: CandleFileType,
    ctx: TaskContext,
  ): Promise<JsonObject> {
    ctx.progress(5, 'parsing');
    let parsed;
    try {
      parsed = await parseCandleFile(source, type, ctx.signal);
    } catch (err) {
      if (err instanceof CandleFileError)
        throw new AppException('DATASET_INVALID', { id: row.id }, err.message);
      throw err;
    }
    if (parsed.candles.length === 0) {
      const first = parsed.badRowExamples[0];
      throw new AppException(
        'DATASET_INVALID',
        { id: row.id },
        `no readable candle in the file (${parsed.badRows} bad rows${first ? `; row ${first.row}: ${first.reason}` : ''})`,
      );
    }
    ctx.progress(60, `${parsed.candles.length} candles read, ${parsed.badRows} bad rows`);
    const parse = {
      rows_read: parsed.rowsRead,
      bad_rows: parsed.badRows,
      bad_row_examples: parsed.badRowExamples as unknown as JsonObject[],
      timestamp_format: parsed.timestampFormat,
      source_columns: parsed.sourceColumns,
    };
    await this.store.write(
      row,
      sortCandles(parsed.candles),
      false,
      ctx,
      { parse },
      { count: parsed.badRows, examples: parse.bad_row_examples },
    );
    return { dataset_id: row.id, rows: parsed.candles.length, bad_rows: parsed.badRows };
  }

  private async processDerived(
    row: Dataset,
    parent: Dataset,
    ops: PreprocessOperation[],
    ctx: TaskContext,
  ): Promise<JsonObject> {
    ctx.progress(5, 'reading the parent dataset');
    const candles = await readStoredCandles(parent.filePath);
    ctx.progress(40, 'applying operations');
    let result;
    try {
      result = applyOperations(candles, parent.timeframe, ops, timeframeMs);
    } catch (err) {
      if (err instanceof PreprocessError)
        throw new AppException('DATASET_INVALID', { id: row.id }, err.message);
      throw err;
    }
    row.lineage = { parent_id: parent.id, operations: ops as unknown as JsonObject[], log: result.log };
    await this.store.write(row, result.candles, result.normalized || isNormalized(parent), ctx, {});
    return { dataset_id: row.id, rows: result.candles.length, log: result.log };
  }

  async fileSize(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  async discard(tempPath: string): Promise<void> {
    await rm(tempPath, { force: true });
  }
}

function isNormalized(d: Dataset): boolean {
  return (d.statistics as { normalized?: boolean } | null)?.normalized === true;
}
