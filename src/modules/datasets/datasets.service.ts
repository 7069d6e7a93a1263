import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { JsonObject } from '../../common/types/json.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { timeframeMs } from '../freqtrade/health/health-score.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.service.js';
import { isComplete, type Candle } from './candles/candle.js';
import { CandleFileError, parseCandleFile, type CandleFileType } from './candles/candle-parser.js';
import { candleStatistics, sortCandles } from './candles/candle-statistics.js';
import {
  PreprocessError,
  applyOperations,
  parseOperations,
  type PreprocessOperation,
} from './candles/preprocess.js';
import { DatasetFiles, freqtradePairFile, readStoredCandles } from './dataset-files.js';
import type { DownloadDatasetDto } from './dto/download-dataset.dto.js';
import { downloadCandles, yyyymmdd } from '../freqtrade/backtest/download-data.js';
import { exchangeUrlOverrides } from '../freqtrade/bot/exchange-urls.js';
import { ccxtProxyConfig } from '../freqtrade/bot/bot-config.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import path from 'node:path';
import type { ListDatasetsQueryDto } from './dto/list-datasets.query.dto.js';
import { DatasetResponseDto, type DatasetCreatedDto } from './dto/dataset.response.dto.js';
import type { UploadDatasetDto } from './dto/upload-dataset.dto.js';
import { Dataset, type DatasetColumn } from './entities/dataset.entity.js';

/** The dataset as other modules read it (they go through this service, never the entity's module path). */
export type { Dataset };

const COLUMNS: DatasetColumn[] = [
  { name: 'timestamp', type: 'datetime', description: 'Candle open time (UTC)' },
  { name: 'open', type: 'float64', description: 'Open price' },
  { name: 'high', type: 'float64', description: 'Highest price' },
  { name: 'low', type: 'float64', description: 'Lowest price' },
  { name: 'close', type: 'float64', description: 'Close price' },
  { name: 'volume', type: 'float64', description: 'Traded volume (base currency)' },
];

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
  private readonly logger = new Logger(DatasetsService.name);
  readonly files: DatasetFiles;
  /** Modules that run work on datasets (evaluations, training) say whether one is in use. */
  private readonly usageChecks: ((datasetId: number) => Promise<string | null>)[] = [];

  constructor(
    @InjectRepository(Dataset) private readonly datasets: Repository<Dataset>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRunner,
    private readonly exchanges: ExchangeCatalog,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly proxies: ProxySelector,
  ) {
    this.files = new DatasetFiles(config.datasets.dir);
  }

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

  /**
   * Downloads candles with `freqtrade download-data` (through the configured exchange URLs and the
   * proxy pool, with only_from_ccxt so no hard-coded archive host is contacted) and registers one
   * dataset per pair and timeframe. The rows exist from the start, `processing`, so the answer lists them.
   */
  async download(
    ownerId: number,
    dto: DownloadDatasetDto,
  ): Promise<{ task_id: string; datasets: DatasetCreatedDto[] }> {
    const exchange = dto.exchange ?? 'binance';
    if (!(await this.exchanges.has(exchange))) {
      throw new AppException('VALIDATION_ERROR', [
        { field: 'exchange', message: `unknown exchange ${exchange}` },
      ]);
    }
    const start = new Date(dto.start_time);
    const end = dto.end_time ? new Date(dto.end_time) : null;
    if (end && end <= start) {
      throw new AppException('VALIDATION_ERROR', [
        { field: 'end_time', message: 'end_time must be after start_time' },
      ]);
    }
    const ft = await this.freqtrade.requireActive();
    const rows: Dataset[] = [];
    for (const pair of new Set(dto.pairs)) {
      for (const timeframe of new Set(dto.timeframes)) {
        rows.push(
          await this.datasets.save(
            this.datasets.create({
              name: `${pair} ${timeframe} ${exchange}`,
              description: `Downloaded from ${exchange}, ${dto.start_time} to ${dto.end_time ?? 'now'}`,
              exchange,
              pair,
              timeframe,
              filePath: '',
              fileType: 'download',
              status: 'processing',
              ownerId,
            }),
          ),
        );
      }
    }
    const token = randomUUID();
    const task = await this.tasks.submit(
      {
        taskName: 'dataset.download',
        args: { dataset_ids: rows.map((r) => r.id), exchange, pairs: dto.pairs, timeframes: dto.timeframes },
        userId: ownerId,
        relatedType: 'dataset',
        relatedId: String(rows[0]!.id),
      },
      async (ctx) => {
        const work = path.join(this.config.datasets.dir, '.incoming', `download-${token}`);
        try {
          ctx.progress(2, 'downloading');
          const dataDir = await downloadCandles({
            bin: ft.bin,
            env: this.config.freqtrade.childEnv,
            workdir: work,
            exchange,
            pairs: [...new Set(dto.pairs)],
            timeframes: [...new Set(dto.timeframes)],
            timerange: `${yyyymmdd(start)}-${end ? yyyymmdd(end) : ''}`,
            ccxtConfig: await this.ccxtConfigFor(ft.bin, exchange, ownerId),
            signal: ctx.signal,
            onLine: (line) => ctx.progress(null, line.slice(0, 200)),
          });
          const done: number[] = [];
          for (const [k, row] of rows.entries()) {
            ctx.progress(60 + (k / rows.length) * 35, `${row.pair} ${row.timeframe}`);
            const downloaded = path.join(dataDir, `${freqtradePairFile(row.pair, row.timeframe)}.json`);
            // freqtrade writes nothing for a pair it got no candles of.
            const candles = await readStoredCandles(downloaded).catch(() => [] as Candle[]);
            const inRange = sortCandles(candles).filter(
              (c) => c.t >= start.getTime() && (!end || c.t < end.getTime()),
            );
            if (!inRange.length) {
              await this.fail(
                row.id,
                `${exchange} returned no ${row.timeframe} candles of ${row.pair} in the range`,
              );
              continue;
            }
            row.filePath = this.files.candlePath(row.id, exchange, row.pair, row.timeframe);
            await this.store(row, inRange, false, ctx, {});
            done.push(row.id);
          }
          return { dataset_ids: done };
        } catch (err) {
          for (const row of rows)
            await this.fail(row.id, ctx.signal.aborted ? 'download was cancelled' : (err as Error).message);
          throw err;
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
    );
    for (const row of rows) await this.datasets.update(row.id, { taskId: task.id });
    return {
      task_id: task.id,
      datasets: rows.map((r) => ({
        id: r.id,
        name: r.name,
        status: 'processing',
        upload_progress: 100,
        processing_progress: 0,
        task_id: task.id,
      })),
    };
  }

  /** The exchange URL overrides and, when the pool has one, the proxy freqtrade should use. */
  private async ccxtConfigFor(bin: string, exchange: string, ownerId: number): Promise<JsonObject> {
    const urls = await exchangeUrlOverrides(
      bin,
      exchange,
      this.config.exchangeUrlOverrides,
      this.config.freqtrade.childEnv,
    );
    const proxy = await this.proxies.select({ ownerId, usePool: true });
    return { ...(urls ? { urls: { api: urls } } : {}), ...ccxtProxyConfig(proxy) };
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
          await this.fail(row.id, ctx.signal.aborted ? 'processing was cancelled' : (err as Error).message);
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
    await this.store(
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
    await this.store(row, result.candles, result.normalized || isNormalized(parent), ctx, {});
    return { dataset_id: row.id, rows: result.candles.length, log: result.log };
  }

  /** Writes freqtrade's file and the statistics, and marks the dataset ready. */
  private async store(
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

  private async fail(id: number, message: string): Promise<void> {
    await this.datasets
      .update(id, { status: 'error', errorMessage: message.slice(0, 2000) })
      .catch((err: unknown) => {
        this.logger.error(`dataset ${id}: could not record the failure: ${(err as Error).message}`);
      });
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

function sampleRow(c: Candle): JsonObject {
  return { timestamp: new Date(c.t).toISOString(), open: c.o, high: c.h, low: c.l, close: c.c, volume: c.v };
}
