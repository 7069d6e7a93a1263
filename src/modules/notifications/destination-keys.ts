import type { ChannelTarget } from '../../infra/channels/channel.port.js';
import { RateLimiter } from './rate-limiter.js';

/** Rate-limit keys of a target: per phone number for SMS, per bot/chat/URL otherwise. */
export function destinationKeys(t: ChannelTarget): string[] {
  const c = t.config;
  const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));
  switch (t.type) {
    case 'sms':
      return (c.phone_numbers as string[]).map((p) =>
        RateLimiter.key('sms', p.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '')),
      );
    case 'feishu':
      return [RateLimiter.key('feishu', `${t.baseUrl ?? ''}|${s(c.token)}`)];
    case 'dingtalk':
      return [RateLimiter.key('dingtalk', `${t.baseUrl ?? ''}|${s(c.access_token)}`)];
    case 'wecom':
      return [RateLimiter.key('wecom', `${t.baseUrl ?? ''}|${s(c.key)}`)];
    case 'telegram':
      return [RateLimiter.key('telegram', `${t.baseUrl ?? ''}|${s(c.bot_token)}|${s(c.chat_id)}`)];
    case 'email':
      return [RateLimiter.key('email', `${s(c.host)}|${s(c.from)}`)];
    case 'webhook':
      return [RateLimiter.key('webhook', s(c.url))];
  }
}
