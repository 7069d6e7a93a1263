import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { PageQueryDto } from '../../common/pagination/page-query.dto.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { StrategyDraftsService } from './strategy-drafts.service.js';
import { DraftCleanupResponseDto, StrategyDraftResponseDto } from './dto/strategy-draft.response.dto.js';
import { SaveDraftDto } from './dto/save-draft.dto.js';
import { StrategyResponseDto } from './dto/strategy.response.dto.js';

@ApiTags('drafts')
@Controller('strategies')
export class StrategyDraftsController {
  constructor(private readonly drafts: StrategyDraftsService) {}

  /** Draft strategies and pending drafts of existing ones, with their age and expiry. */
  @Get('drafts')
  @ApiEnvelope(StrategyDraftResponseDto, { paginated: 'drafts' })
  listDrafts(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto) {
    return this.drafts.list(user.id, query);
  }

  /** Store pending edits without touching the live config (replaces an earlier draft). */
  @Post(':id/save-draft')
  @ApiEnvelope(StrategyDraftResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND')
  saveDraft(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number, @Body() dto: SaveDraftDto) {
    return this.drafts.save(user, id, dto);
  }

  /** Validate in full and apply as a new version; a running strategy restarts on it. */
  @Post('drafts/:draftId/publish')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors(
    'DRAFT_NOT_FOUND',
    'MIXED_QUOTE_CURRENCIES',
    'STRATEGY_CLASS_NOT_FOUND',
    'STRATEGY_FILE_NOT_FOUND',
    'STRATEGY_NAME_TAKEN',
  )
  publishDraft(@CurrentUser() user: AuthUser, @Param('draftId', IdPipe) draftId: number) {
    return this.drafts.publish(user, draftId);
  }

  /** Discard a draft (for a never-published strategy, the strategy goes with it). */
  @Delete('drafts/:draftId')
  @ApiEnvelope(null)
  @ApiErrors('DRAFT_NOT_FOUND')
  deleteDraft(@CurrentUser() user: AuthUser, @Param('draftId', IdPipe) draftId: number) {
    return this.drafts.remove(user.id, draftId);
  }

  /** Delete your drafts older than DRAFT_TTL_DAYS; returns how many. */
  @Post('drafts/cleanup')
  @ApiEnvelope(DraftCleanupResponseDto)
  cleanupDrafts(@CurrentUser() user: AuthUser) {
    return this.drafts.cleanup(user.id);
  }
}
