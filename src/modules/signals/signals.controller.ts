import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { UuidPipe } from '../../common/validation/uuid.pipe.js';
import { SignalsQueryService } from './signals-query.service.js';
import {
  ExportSignalsQueryDto,
  ListSignalsQueryDto,
  SignalStatsQueryDto,
} from './dto/list-signals.query.dto.js';
import { SignalResponseDto } from './dto/signal.response.dto.js';
import { SignalStatsResponseDto } from './dto/signal-stats.response.dto.js';

@ApiTags('signals')
@Controller('signals')
export class SignalsController {
  constructor(private readonly signals: SignalsQueryService) {}

  /** Your signals, newest first. Pass `cursor` (a previous `next_cursor`) to scroll deep without offsets. */
  @Get()
  @ApiOperation({
    description:
      'An offset page (`page`, `page_size`) counts at most 1,000 matches past its start: when there are more, ' +
      '`pagination.total` is that many, a lower bound, and `pagination.total_is_lower_bound` is true; otherwise ' +
      '`total` is exact and the flag false. A cursor page (`cursor`) has no `pagination` block.',
  })
  @ApiEnvelope(SignalResponseDto, { paginated: 'signals' })
  listSignals(@CurrentUser() user: AuthUser, @Query() query: ListSignalsQueryDto) {
    return this.signals.list(user.id, query);
  }

  /** Counts by type, strength and strategy over a window (default 24 h). */
  @Get('stats')
  @ApiEnvelope(SignalStatsResponseDto)
  getSignalStats(@CurrentUser() user: AuthUser, @Query() query: SignalStatsQueryDto) {
    return this.signals.stats(user.id, query);
  }

  /** The filtered journal as CSV or JSON lines, streamed (not enveloped). */
  @Get('export')
  @ApiProduces('text/csv', 'application/x-ndjson')
  exportSignals(@CurrentUser() user: AuthUser, @Query() query: ExportSignalsQueryDto) {
    return new StreamableFile(this.signals.export(user.id, query), {
      type: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      disposition: `attachment; filename="signals.${query.format}"`,
    });
  }

  @Get(':id')
  @ApiEnvelope(SignalResponseDto)
  @ApiErrors('SIGNAL_NOT_FOUND')
  getSignal(@CurrentUser() user: AuthUser, @Param('id', UuidPipe) id: string) {
    return this.signals.get(user.id, id);
  }
}
