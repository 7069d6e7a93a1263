import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import type { JsonObject } from '../../common/types/json.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { downloadCandles, yyyymmdd } from '../freqtrade/backtest/download-data.js';
import { ccxtProxyConfig } from '../freqtrade/bot/bot-config.js';
import { exchangeUrlOverrides } from '../freqtrade/bot/exchange-urls.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { TaskRunner } from '../tasks/task-runner.service.js';
import type { Candle } from './candles/candle.js';
import { sortCandles } from './candles/candle-statistics.js';
import { DatasetFiles, freqtradePairFile, readStoredCandles } from './dataset-files.js';
import { DatasetStore } from './dataset-store.js';
import type { DatasetCreatedDto } from './dto/dataset.response.dto.js';
import type { DownloadDatasetDto } from './dto/download-dataset.dto.js';
import { Dataset } from './entities/dataset.entity.js';

/** Datasets made by downloading candles from an exchange with freqtrade itself. */
@Injectable()
export class DatasetDownloader {
  constructor(
    @InjectRepository(Dataset) private readonly datasets: Repository<Dataset>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly files: DatasetFiles,
    private readonly store: DatasetStore,
    private readonly tasks: TaskRunner,
    private readonly exchanges: ExchangeCatalog,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly proxies: ProxySelector,
  ) {}

  /**
   * Downloads candles with `freqtrade download-data` (through the configured exchange URLs and the
   * proxy pool, with only_from_ccxt so no hard-coded archive host is contacted) and registers one
   * dataset per pair and timeframe. The rows exist from the start, `processing`, so the answer lists them.
   */
  async start(
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
              await this.store.fail(
                row.id,
                `${exchange} returned no ${row.timeframe} candles of ${row.pair} in the range`,
              );
              continue;
            }
            row.filePath = this.files.candlePath(row.id, exchange, row.pair, row.timeframe);
            await this.store.write(row, inRange, false, ctx, {});
            done.push(row.id);
          }
          return { dataset_ids: done };
        } catch (err) {
          for (const row of rows)
            await this.store.fail(
              row.id,
              ctx.signal.aborted ? 'download was cancelled' : (err as Error).message,
            );
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
}
