import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import {
  ChannelsResponseDto,
  PutChannelsDto,
  TestNotificationDto,
  TestNotificationResponseDto,
} from './dto/channel.dto.js';
import { HistoryQueryDto, NotificationResponseDto, NotificationStatsResponseDto } from './dto/history.dto.js';
import { PutRulesDto, RulesResponseDto } from './dto/rules.dto.js';
import { NotificationChannelsService } from './notification-channels.service.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly channels: NotificationChannelsService,
    private readonly notifications: NotificationsService,
  ) {}

  /** Your channels; secrets show as "******". */
  @Get('channels')
  @ApiEnvelope(ChannelsResponseDto)
  async getChannels(@CurrentUser() user: AuthUser): Promise<ChannelsResponseDto> {
    return { channels: await this.channels.list(user.id) };
  }

  /** Replaces your channels. A secret sent back as "******" (or left out) keeps the stored one. */
  @Put('channels')
  @ApiEnvelope(ChannelsResponseDto)
  @ApiErrors('NOTIFICATION_CHANNEL_INCOMPLETE')
  async putChannels(
    @CurrentUser() user: AuthUser,
    @Body() dto: PutChannelsDto,
  ): Promise<ChannelsResponseDto> {
    return { channels: await this.channels.replace(user.id, dto.channels) };
  }

  /** Routing by priority and the noise policy (quiet hours, cooldown, storm threshold). */
  @Get('rules')
  @ApiEnvelope(RulesResponseDto)
  getRules(@CurrentUser() user: AuthUser) {
    return this.channels.rulesResponse(user.id);
  }

  @Put('rules')
  @ApiEnvelope(RulesResponseDto)
  putRules(@CurrentUser() user: AuthUser, @Body() dto: PutRulesDto) {
    return this.channels.putRules(user.id, dto);
  }

  /** Sends a message now through one channel (no cooldown or quiet hours; rate limits hold). */
  @Post('test')
  @HttpCode(200)
  @ApiEnvelope(TestNotificationResponseDto)
  @ApiErrors('NOTIFICATION_CHANNEL_NOT_FOUND', 'NOTIFICATION_RATE_LIMITED')
  test(@CurrentUser() user: AuthUser, @Body() dto: TestNotificationDto) {
    return this.notifications.test(user.id, dto);
  }

  /** Every notification, sent or held, with the reason; newest first. */
  @Get('history')
  @ApiEnvelope(NotificationResponseDto, { paginated: 'notifications' })
  history(@CurrentUser() user: AuthUser, @Query() query: HistoryQueryDto) {
    return this.notifications.history(user.id, query);
  }

  /** Sent, failed, suppressed, dead and pending per channel over the last 24 h. */
  @Get('stats')
  @ApiEnvelope(NotificationStatsResponseDto)
  stats(@CurrentUser() user: AuthUser) {
    return this.notifications.stats(user.id);
  }
}
