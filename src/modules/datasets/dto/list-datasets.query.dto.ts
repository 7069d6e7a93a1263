import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { PAIR_PATTERN, TIMEFRAMES } from '../../strategies/dto/strategy-config.dto.js';
import { DATASET_STATUSES, type DatasetStatus } from '../entities/dataset.entity.js';

export class ListDatasetsQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(PAIR_PATTERN, { message: 'pair must look like BTC/USDT' })
  pair?: string;

  @IsOptional()
  @IsIn(TIMEFRAMES)
  timeframe?: string;

  @IsOptional()
  @IsIn(DATASET_STATUSES)
  status?: DatasetStatus;
}
