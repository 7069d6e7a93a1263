import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { COMPATIBILITY_VERDICTS } from '../../entities/freqtrade-compatibility-check.entity.js';

const VERSION = /^\d{4}\.\d{1,2}(\.\d+)?$/;
const VERSION_MESSAGE = 'must be a freqtrade release like 2025.8';

export class ListVersionsQueryDto {
  /** `true` also lists pre-releases (e.g. 2025.7.dev0). */
  @IsOptional()
  @IsIn(['true', 'false'])
  include_prereleases?: 'true' | 'false';
}

export class VersionParamDto {
  /** e.g. 2025.8 */
  @IsString()
  @Matches(VERSION, { message: `version ${VERSION_MESSAGE}` })
  version!: string;
}

export class CompatibilityCheckRequestDto {
  /** The release to check the strategies against, e.g. 2025.9. */
  @IsString()
  @Matches(VERSION, { message: `target_version ${VERSION_MESSAGE}` })
  target_version!: string;
}

export class UpgradeRequestDto {
  @IsString()
  @Matches(VERSION, { message: `target_version ${VERSION_MESSAGE}` })
  target_version!: string;

  /** Upgrade even without a passed compatibility check. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RollbackRequestDto {
  /** An installed version; absent: the version that was active before the current one. */
  @IsOptional()
  @IsString()
  @Matches(VERSION, { message: `target_version ${VERSION_MESSAGE}` })
  target_version?: string;
}

export class StrategyCompatibilitySummaryDto {
  total_strategies!: number;
  compatible_strategies!: number;
  /** Loaded and ran, but gave different signals. */
  changed_strategies!: number;
  incompatible_strategies!: number;
  /** The compatibility check these come from. */
  check_id!: string;
  checked_at!: string;
}

export class FreqtradeVersionResponseDto {
  /** Null when no freqtrade is installed. */
  current_version!: string | null;
  /** `managed` (a venv BTC Watcher installed) or `FREQTRADE_BIN` (an executable it was pointed at). */
  @ApiProperty({ enum: ['managed', 'FREQTRADE_BIN'], nullable: true })
  source!: 'managed' | 'FREQTRADE_BIN' | null;
  installed_path!: string | null;
  install_date!: string | null;
  /** `running` when bots run on it, `installing` while an install is under way, `broken` when it does not answer. */
  @ApiProperty({ enum: ['running', 'idle', 'installing', 'broken', 'not_installed'] })
  status!: 'running' | 'idle' | 'installing' | 'broken' | 'not_installed';
  bots_running!: number;
  /** `healthy`: `pip check` is clean and `freqtrade --version` answers. */
  @ApiProperty({ enum: ['healthy', 'degraded', 'unknown'] })
  dependency_status!: 'healthy' | 'degraded' | 'unknown';
  /** Why it is degraded. */
  dependency_problem!: string | null;
  /** The last update check. */
  last_check!: string | null;
  latest_version!: string | null;
  update_available!: boolean;
  /** From the latest completed compatibility check of this version; null when it was never checked. */
  strategy_compatibility!: StrategyCompatibilitySummaryDto | null;
}

export class InstalledVersionDto {
  version!: string;
  path!: string;
  /** Null while installing or when the directory is gone. */
  size_bytes!: number | null;
  installed_at!: string | null;
  active!: boolean;
  @ApiProperty({ enum: ['installing', 'installed', 'failed'] })
  status!: 'installing' | 'installed' | 'failed';
  python_version!: string | null;
  ccxt_version!: string | null;
  error!: string | null;
}

export class AvailableReleaseDto {
  version!: string;
  released_at!: string | null;
  prerelease!: boolean;
  yanked!: boolean;
  /** Older than 2024.1: BTC Watcher does not drive it. */
  supported!: boolean;
  installed!: boolean;
}

export class FreqtradeVersionsResponseDto {
  installed!: InstalledVersionDto[];
  /** Newest first; empty when the index could not be read. */
  available!: AvailableReleaseDto[];
  latest_stable!: string | null;
  index_reachable!: boolean;
  /** Why the index could not be read. */
  index_error!: string | null;
  /** When the listed releases were read from the index (cached for an hour). */
  index_fetched_at!: string | null;
}

export class UpdateCheckResponseDto {
  current_version!: string | null;
  latest_version!: string | null;
  update_available!: boolean;
  index_reachable!: boolean;
  error!: string | null;
  checked_at!: string;
}

export class StrategyCompatibilityDto {
  strategy_id!: number;
  strategy_name!: string;
  strategy_class!: string;
  strategy_version!: string;
  @ApiProperty({ enum: COMPATIBILITY_VERDICTS })
  verdict!: (typeof COMPATIBILITY_VERDICTS)[number];
  interface_version!: number | null;
  loads_on_target!: boolean;
  candles!: number;
  signals_current!: number | null;
  signals_target!: number | null;
  /** The first candles whose signals differ (up to 10). */
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        pair: { type: 'string' },
        date: { type: 'string' },
        current: { type: 'array', items: { type: 'string' } },
        target: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  differences!: { pair: string; date: string; current: string[]; target: string[] }[];
  error!: string | null;
}

export class CompatibilityCheckResponseDto {
  /** Also the id of its task. */
  id!: string;
  base_version!: string;
  target_version!: string;
  @ApiProperty({ enum: ['running', 'completed', 'failed'] })
  status!: 'running' | 'completed' | 'failed';
  /** Completed with no incompatible strategy: an upgrade to target_version is allowed. */
  passed!: boolean;
  total_strategies!: number;
  compatible_strategies!: number;
  changed_strategies!: number;
  incompatible_strategies!: number;
  results!: StrategyCompatibilityDto[];
  error!: string | null;
  created_at!: string;
  finished_at!: string | null;
}
