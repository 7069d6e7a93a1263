import { Inject, Injectable } from '@nestjs/common';
import { OutboundHttp } from '../http/outbound-http.port.js';
import type {
  ChannelTarget,
  ChannelType,
  MessageContent,
  NotificationChannel,
  SendContext,
  SendOutcome,
} from './channel.port.js';
import { EmailChannel } from './email-channel.js';
import {
  AliyunSmsChannel,
  DingtalkChannel,
  FeishuChannel,
  TelegramChannel,
  TencentSmsChannel,
  WecomChannel,
  WebhookChannel,
} from './http-channels.js';

/** One adapter per vendor behind one `send`; SMS picks Aliyun or Tencent by the config's provider. */
@Injectable()
export class ChannelRegistry {
  private readonly adapters: Record<Exclude<ChannelType, 'sms'>, NotificationChannel>;
  private readonly sms: Record<'aliyun' | 'tencent', NotificationChannel>;

  constructor(@Inject(OutboundHttp) http: OutboundHttp) {
    this.adapters = {
      feishu: new FeishuChannel(http),
      dingtalk: new DingtalkChannel(http),
      wecom: new WecomChannel(http),
      telegram: new TelegramChannel(http),
      webhook: new WebhookChannel(http),
      email: new EmailChannel(),
    };
    this.sms = { aliyun: new AliyunSmsChannel(http), tencent: new TencentSmsChannel(http) };
  }

  send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const adapter =
      target.type === 'sms'
        ? this.sms[target.config.provider === 'tencent' ? 'tencent' : 'aliyun']
        : this.adapters[target.type];
    return adapter.send(target, content, ctx);
  }
}
