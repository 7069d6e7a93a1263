import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { createValidationPipe } from '../../common/validation/validation.pipe.js';
import { DatasetsService, type ReceivedFile } from './datasets.service.js';
import { DatasetCreatedDto, DatasetResponseDto, DownloadStartedDto } from './dto/dataset.response.dto.js';
import { DownloadDatasetDto } from './dto/download-dataset.dto.js';
import { ListDatasetsQueryDto } from './dto/list-datasets.query.dto.js';
import { PreprocessDatasetDto } from './dto/preprocess-dataset.dto.js';
import { UploadDatasetDto } from './dto/upload-dataset.dto.js';

const FILE_TYPES: Record<string, 'csv' | 'json'> = { csv: 'csv', json: 'json' };

@ApiTags('data')
@Controller('data')
export class DatasetsController {
  private readonly validation = createValidationPipe();

  constructor(private readonly datasets: DatasetsService) {}

  /**
   * Uploads OHLCV candles (CSV with a header, or JSON) for one pair and timeframe. The file is streamed
   * to disk; parsing, checks and statistics run as a task (`task_id`).
   */
  @Post('upload')
  @HttpCode(202)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'name', 'pair', 'timeframe'],
      properties: {
        file: { type: 'string', format: 'binary', description: '.csv or .json' },
        name: { type: 'string' },
        description: { type: 'string' },
        pair: { type: 'string', example: 'BTC/USDT' },
        timeframe: { type: 'string', example: '5m' },
        exchange: { type: 'string', example: 'binance' },
      },
    },
  })
  @ApiEnvelope(DatasetCreatedDto)
  @ApiErrors('VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE')
  async uploadDataset(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest) {
    if (!req.isMultipart())
      throw new AppException('UNSUPPORTED_MEDIA_TYPE', undefined, 'Send the file as multipart/form-data');
    const fields: Record<string, string> = {};
    let file: ReceivedFile | null = null;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        const ext = part.filename.split('.').pop()?.toLowerCase() ?? '';
        const type =
          FILE_TYPES[ext] ??
          (part.mimetype.includes('json') ? 'json' : part.mimetype.includes('csv') ? 'csv' : null);
        if (part.fieldname !== 'file' || file || !type) {
          part.file.resume();
          if (!type && part.fieldname === 'file') {
            throw new AppException('UNSUPPORTED_MEDIA_TYPE', undefined, 'The file must be .csv or .json');
          }
          continue;
        }
        const tempPath = this.datasets.newUploadPath();
        file = { tempPath, type, size: 0 };
        // Throws FST_REQ_FILE_TOO_LARGE (413) past DATASET_MAX_BYTES; the partial file is removed below.
        await pipeline(part.file, createWriteStream(tempPath));
        file.size = part.file.bytesRead;
      }
      if (!file) throw new AppException('VALIDATION_ERROR', [{ field: 'file', message: 'file is required' }]);
      const dto = (await this.validation.transform(fields, {
        type: 'body',
        metatype: UploadDatasetDto,
      })) as UploadDatasetDto;
      const created = await this.datasets.createFromUpload(user.id, dto, file);
      file = null;
      return created;
    } finally {
      if (file) await this.datasets.discard(file.tempPath);
    }
  }

  /**
   * Downloads candles from the exchange with freqtrade (through the proxy pool) and registers one
   * dataset per pair and timeframe; they become `ready` when the task ends.
   */
  @Post('download')
  @HttpCode(202)
  @ApiEnvelope(DownloadStartedDto)
  @ApiErrors('VALIDATION_ERROR', 'FREQTRADE_NOT_INSTALLED')
  downloadDatasets(@CurrentUser() user: AuthUser, @Body() dto: DownloadDatasetDto) {
    return this.datasets.download(user.id, dto);
  }

  /** Your datasets, newest first (statistics and samples only in the single-dataset answer). */
  @Get('datasets')
  @ApiEnvelope(DatasetResponseDto, { paginated: 'datasets' })
  listDatasets(@CurrentUser() user: AuthUser, @Query() query: ListDatasetsQueryDto) {
    return this.datasets.list(user.id, query);
  }

  @Get('datasets/:id')
  @ApiEnvelope(DatasetResponseDto)
  @ApiErrors('DATASET_NOT_FOUND')
  getDataset(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.datasets.get(user.id, id);
  }

  /** Makes a new dataset from this one by the operations, in order; this one is never modified. */
  @Post('datasets/:id/preprocess')
  @HttpCode(202)
  @ApiEnvelope(DatasetCreatedDto)
  @ApiErrors('DATASET_NOT_FOUND', 'DATASET_NOT_READY', 'VALIDATION_ERROR')
  preprocessDataset(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Body() body: PreprocessDatasetDto,
  ) {
    return this.datasets.preprocess(user.id, id, body.operations, body.name);
  }

  /** Removes the dataset and its files. */
  @Delete('datasets/:id')
  @ApiEnvelope(null)
  @ApiErrors('DATASET_NOT_FOUND', 'DATASET_BUSY')
  deleteDataset(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.datasets.remove(user.id, id);
  }
}
