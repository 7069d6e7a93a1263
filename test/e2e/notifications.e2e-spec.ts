import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Events, type SignalCreatedEvent, type SystemAlertEvent } from '../../src/common/events/event-map.js';
import { CLOCK, type Clock } from '../../src/infra/clock/clock.port.js';
import { Metrics } from '../../src/infra/metrics/metrics.js';
import { NotificationDispatcher } from '../../src/modules/notifications/notification-dispatcher.service.js';
import { NotificationPlanner } from '../../src/modules/notifications/notification-planner.service.js';
import { OutboxLease } from '../../src/modules/notifications/outbox-lease.js';
import { testContent } from '../../src/modules/notifications/templates.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { AliyunSmsEmulator } from '../emulators/aliyun-sms/aliyun-sms-emulator.js';
import { DingtalkEmulator } from '../emulators/dingtalk/dingtalk-emulator.js';
import { FeishuEmulator } from '../emulators/feishu/feishu-emulator.js';
import { SmtpEmulator } from '../emulators/smtp/smtp-emulator.js';
import { TelegramEmulator } from '../emulators/telegram/telegram-emulator.js';
import { TencentSmsEmulator } from '../emulators/tencent-sms/tencent-sms-emulator.js';
import { WebhookReceiver } from '../emulators/webhook/webhook-emulator.js';
import { WecomEmulator } from '../emulators/wecom/wecom-emulator.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES, describeIfPg } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const SOURCE = 'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n';
const HOUR = 3_600_000;
const API = '/api/v1/notifications';

/** Real time plus an offset tests move forward (quiet-hour ends, storm minutes) without waiting. */
class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

const rand = (n = 6) => randomBytes(n).toString('hex');
/** A mainland number of its own per test: SMS limits are per number. */
const phone = () => `138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Emulators {
  feishu: FeishuEmulator;
  aliyun: AliyunSmsEmulator;
  tencent: TencentSmsEmulator;
  dingtalk: DingtalkEmulator;
  wecom: WecomEmulator;
  telegram: TelegramEmulator;
  webhook: WebhookReceiver;
  smtp: SmtpEmulator;
}

async function startEmulators(): Promise<Emulators> {
  return {
    feishu: await new FeishuEmulator().start(),
    aliyun: await new AliyunSmsEmulator().start(),
    tencent: await new TencentSmsEmulator().start(),
    dingtalk: await new DingtalkEmulator().start(),
    wecom: await new WecomEmulator().start(),
    telegram: await new TelegramEmulator().start(),
    webhook: await new WebhookReceiver().start(),
    smtp: await new SmtpEmulator({ user: 'mailer', pass: 'smtp-pass-1' }).start(),
  };
}

describe.each(MODES)('notifications (%s)', (mode) => {
  let t: TestApp;
  let em: Emulators;
  const clock = new OffsetClock();
  const alerts: SystemAlertEvent[] = [];
  /** Every secret configured, to prove none reaches a response or a log line. */
  const secrets: string[] = [];
  let candle = Math.floor(Date.now() / HOUR) * HOUR - 200 * HOUR;

  const req = async (user: TestUser, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) => {
    const res = await t.request({
      method,
      url,
      headers: bearer(user.accessToken),
      ...(payload ? { payload: payload as object } : {}),
    });
    for (const s of secrets) expect(res.body).not.toContain(s);
    return res;
  };

  /** A user with a strategy and the given channels and rules. */
  const newUser = async (channels: object[], rules?: object) => {
    const user = await createUser(t);
    const res = await req(user, 'POST', '/api/v1/strategies', {
      name: `S${rand(3)}`,
      config: {
        strategy_file: 'probe.py',
        strategy_class: 'Probe',
        timeframe: '1h',
        pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
      },
    });
    expect(res.statusCode).toBe(201);
    const put = await req(user, 'PUT', `${API}/channels`, { channels });
    expect(put.statusCode).toBe(200);
    if (rules) expect((await req(user, 'PUT', `${API}/rules`, rules)).statusCode).toBe(200);
    return { user, strategyId: body(res).data.id as number };
  };

  const feishuChannel = (opts: { secret?: boolean; min_level?: string } = {}) => {
    const token = `tok-${rand()}`;
    const secret = opts.secret === false ? undefined : `fs-${rand()}`;
    em.feishu.bots.set(token, { secret });
    secrets.push(token, ...(secret ? [secret] : []));
    return {
      token,
      channel: {
        type: 'feishu',
        config: { token, ...(secret ? { secret } : {}) },
        base_url: em.feishu.url,
        ...(opts.min_level ? { min_level: opts.min_level } : {}),
      },
    };
  };
  const aliyunChannel = (secretOverride?: string) => {
    const id = `LTAI${rand()}`;
    const secret = `ak-${rand()}`;
    em.aliyun.keys.set(id, secret);
    secrets.push(secret);
    const number = phone();
    return {
      number,
      channel: {
        type: 'sms',
        config: {
          provider: 'aliyun',
          access_key_id: id,
          access_key_secret: secretOverride ?? secret,
          sign_name: 'BTCWatcher',
          template_code: 'SMS_123456789',
          phone_numbers: [number],
        },
        base_url: em.aliyun.url,
      },
    };
  };
  const webhookChannel = () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    em.webhook.secret = secret;
    secrets.push(secret);
    return { type: 'webhook', config: { url: `${em.webhook.url}/hooks/${rand()}`, secret } };
  };

  const ingest = async (strategyId: number, over: Partial<SignalCandidate> = {}) => {
    candle += HOUR;
    const c: SignalCandidate = {
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '1h',
      candleTime: new Date(candle),
      kind: 'enter_long',
      strength: 85,
      price: 42150.5,
      indicators: { rsi: 28.5, macd: -12.25, ema_fast: 42001, volume_ratio: 2.5, extra: 1 },
      tag: 'probe',
      freqtradeVersion: '2025.8',
      ...over,
    };
    await t.app.get(SignalsService).ingest([c]);
    return c;
  };
  const history = async (user: TestUser, query = '') => {
    const res = await req(user, 'GET', `${API}/history${query}`);
    expect(res.statusCode).toBe(200);
    return body(res).data.notifications as Record<string, unknown>[];
  };
  const settled = (rows: Record<string, unknown>[]) =>
    rows.length > 0 && rows.every((r) => r.status !== 'pending' && r.status !== 'sending');

  beforeAll(async () => {
    em = await startEmulators();
    t = await startTestApp({
      mode,
      captureLogs: true,
      env: {
        RATE_LIMIT_MAX: '0',
        NOTIFY_POLL_MS: '100',
        NOTIFY_RETRY_BASE_MS: '100',
        NOTIFY_MAX_ATTEMPTS: '3',
        NOTIFY_LEASE_MS: '3000',
      },
      overrides: [{ provide: CLOCK, useValue: clock }],
    });
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    writeFileSync(path.join(t.dataDir, 'strategies', 'probe.py'), SOURCE);
    t.app.get(EventEmitter2).on(Events.SystemAlert, (e: SystemAlertEvent) => alerts.push(e));
  });
  afterAll(async () => {
    await t?.close();
    if (em) for (const e of Object.values(em)) await e.close();
  });

  it('channels: validated per type, secrets sealed and masked, the mask keeps the stored secret', async () => {
    const user = await createUser(t);
    const fs = feishuChannel();
    const bad = await req(user, 'PUT', `${API}/channels`, {
      channels: [{ type: 'telegram', config: { bot_token: 'nope', chat_id: 'x y' } }],
    });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(body(bad).error.details)).toContain('channels[0].config.');
    const unknown = await req(user, 'PUT', `${API}/channels`, {
      channels: [{ type: 'wecom', config: { key: 'k', extra: 1 } }],
    });
    expect(unknown.statusCode).toBe(400);
    const incomplete = await req(user, 'PUT', `${API}/channels`, {
      channels: [{ type: 'feishu', config: {} }],
    });
    expect(incomplete.statusCode).toBe(400);
    expect(body(incomplete).error.code).toBe('NOTIFICATION_CHANNEL_INCOMPLETE');

    const put = await req(user, 'PUT', `${API}/channels`, { channels: [fs.channel] });
    expect(put.statusCode).toBe(200);
    const [shown] = body(put).data.channels as { config: Record<string, unknown>; base_url: string }[];
    expect(shown!.config).toEqual({ token: '******', secret: '******' });
    const stored = (await t.app
      .get(DataSource)
      .query(`SELECT config, secrets FROM notification_channels WHERE owner_id = $1`, [user.id])) as {
      secrets: Record<string, string>;
    }[];
    expect(JSON.stringify(stored)).not.toContain(fs.token);
    expect(stored[0]!.secrets.token).toMatch(/^v1\./);

    // The client sends back what it read: masks keep the stored secrets, so the signed test still verifies.
    const again = await req(user, 'PUT', `${API}/channels`, {
      channels: [{ type: 'feishu', config: shown!.config, base_url: shown!.base_url }],
    });
    expect(again.statusCode).toBe(200);
    const test = await req(user, 'POST', `${API}/test`, { channel: 'feishu', message: 'hello <world> & co' });
    expect(test.statusCode).toBe(200);
    expect(body(test).data).toMatchObject({ channel: 'feishu', success: true, error: null });
    expect(body(test).data.latency_ms).toEqual(expect.any(Number));
    const got = em.feishu.accepted.filter((a) => a.token === fs.token);
    expect(got).toHaveLength(1);
    expect(JSON.stringify(got[0]!.body.card)).toContain('hello <world> & co');
    const none = await req(user, 'POST', `${API}/test`, { channel: 'wecom', message: 'x' });
    expect(none.statusCode).toBe(404);
  });

  it('a strong signal sends a signed SMS and a Feishu card, marks the signal; a weak one sends nothing', async () => {
    const fs = feishuChannel();
    const sms = aliyunChannel();
    const { user, strategyId } = await newUser([fs.channel, sms.channel]);
    const strong = await ingest(strategyId);
    const rows = await waitFor('both sent', async () => {
      const h = await history(user);
      return h.length === 2 && h.every((r) => r.status === 'success') && h;
    });
    expect(rows.map((r) => r.channel).sort()).toEqual(['feishu', 'sms']);
    const text = em.aliyun.sent.find((s) => s.phone === sms.number);
    expect(text).toMatchObject({ signName: 'BTCWatcher', templateCode: 'SMS_123456789' });
    expect(text!.params).toMatchObject({ pair: 'BTC/USDT', side: '买入', strength: '85' });
    const card = em.feishu.accepted.find((a) => a.token === fs.token)!.body;
    expect(card.msg_type).toBe('interactive');
    expect(JSON.stringify(card)).toContain('BTC/USDT 1h');
    expect(JSON.stringify(card)).toContain('rsi 28.5');
    const signal = (await t.app
      .get(DataSource)
      .query(
        `SELECT notification_sent, notification_channels FROM signals WHERE strategy_id = $1 AND timestamp = $2`,
        [strategyId, strong.candleTime],
      )) as { notification_sent: boolean; notification_channels: string[] }[];
    expect(signal[0]!.notification_sent).toBe(true);
    expect([...signal[0]!.notification_channels].sort()).toEqual(['feishu', 'sms']);
    // Each send is counted for /metrics, with its vendor latency.
    const exported = await t.app.get(Metrics).registry.metrics();
    expect(exported).toMatch(/btcw_notifications_total\{channel="feishu",status="sent"\} [1-9]/);
    expect(exported).toMatch(/btcw_notification_send_duration_seconds_count\{channel="sms"\} [1-9]/);

    const before = em.feishu.requests.length;
    await ingest(strategyId, { strength: 30 });
    await t.app.get(NotificationDispatcher).drain();
    expect(await history(user)).toHaveLength(2);
    expect(em.feishu.requests.length).toBe(before);
  });

  it('dedup: the same signal twice reaches a channel once; cooldown holds the same strategy, pair and type', async () => {
    const fs = feishuChannel();
    const { user, strategyId } = await newUser([fs.channel]);
    const events: SignalCreatedEvent[] = [];
    const listener = (e: SignalCreatedEvent) => events.push(e);
    t.app.get(EventEmitter2).on(Events.SignalCreated, listener);
    const first = await ingest(strategyId);
    await waitFor('first sent', async () => settled(await history(user)));
    await t.app.get(NotificationPlanner).planSignal(events.find((e) => e.signal.strategy_id === strategyId)!);
    // Same candle, another BUY kind: within the cooldown (one timeframe).
    await t.app.get(SignalsService).ingest([
      {
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '1h',
        candleTime: first.candleTime,
        kind: 'exit_short',
        strength: 90,
        price: 1,
        indicators: {},
      },
    ]);
    t.app.get(EventEmitter2).off(Events.SignalCreated, listener);
    const rows = await waitFor('three rows', async () => {
      const h = await history(user);
      return h.length === 3 && settled(h) && h;
    });
    expect(rows.map((r) => `${r.status}:${r.reason}`).sort()).toEqual([
      'success:null',
      'suppressed:cooldown',
      'suppressed:duplicate',
    ]);
    expect(em.feishu.accepted.filter((a) => a.token === fs.token)).toHaveLength(1);
    const filtered = await history(user, '?status=suppressed');
    expect(filtered).toHaveLength(2);
  });

  it('quiet hours hold P1 and send one digest when the window ends; P0 passes', async () => {
    const fs = feishuChannel();
    const fmt = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(ms));
    const now = clock.now();
    const { user, strategyId } = await newUser([fs.channel], {
      routes: { P0: ['feishu'], P1: ['feishu'] },
      quiet_hours: { start: fmt(now - 60_000), end: fmt(now + 120_000) },
      cooldown_seconds: 0,
    });
    await ingest(strategyId, { strength: 60 });
    await ingest(strategyId, { strength: 60, pair: 'ETH/USDT' });
    await ingest(strategyId, { strength: 95 });
    await waitFor('P0 sent', async () => (await history(user, '?status=success')).length === 1);
    const held = await waitFor('both held', async () => {
      const h = await history(user, '?status=suppressed');
      return h.length === 2 && h;
    });
    expect(held.map((r) => r.reason)).toEqual(['quiet_hours', 'quiet_hours']);
    expect(held[0]!.digest_id).toBe(held[1]!.digest_id);
    expect(em.feishu.accepted.filter((a) => a.token === fs.token)).toHaveLength(1);

    clock.offset += 3 * 60_000;
    t.app.get(NotificationDispatcher).wake();
    const digest = await waitFor('digest sent', async () =>
      (await history(user)).find((r) => r.id === held[0]!.digest_id && r.status === 'success'),
    );
    expect(digest.reason).toBe('quiet_hours');
    const cards = em.feishu.accepted.filter((a) => a.token === fs.token);
    expect(cards).toHaveLength(2);
    const text = JSON.stringify(cards[1]!.body);
    expect(text).toContain('2 条信号汇总');
    expect(text).toContain('ETH/USDT');
  });

  it('a storm: past the threshold the rest of the minute goes out as one digest', async () => {
    const fs = feishuChannel();
    const { user, strategyId } = await newUser([fs.channel], {
      routes: { P1: ['feishu'] },
      storm_threshold: 2,
      cooldown_seconds: 0,
    });
    for (let i = 0; i < 5; i++) await ingest(strategyId, { strength: 60 });
    const rows = await waitFor('5 decided', async () => {
      const h = await history(user);
      return h.filter((r) => r.kind === 'signal').length === 5 && h;
    });
    const storm = rows.filter((r) => r.kind === 'signal' && r.reason === 'storm');
    // The minute may turn during the burst; then the count starts again.
    expect(storm.length).toBeGreaterThanOrEqual(1);
    expect(storm.length).toBeLessThanOrEqual(3);
    expect(new Set(storm.map((r) => r.digest_id)).size).toBeLessThanOrEqual(2);
    clock.offset += 61_000;
    t.app.get(NotificationDispatcher).wake();
    await waitFor('everything settled', async () => settled(await history(user)));
    const digests = (await history(user)).filter((r) => r.kind === 'digest');
    expect(digests.every((d) => d.status === 'success')).toBe(true);
    const sent = em.feishu.accepted.filter((a) => a.token === fs.token);
    expect(sent).toHaveLength(5 - storm.length + digests.length);
  });

  it('retries: 429 after retry_after, 5xx with backoff; a bad secret fails at once, redacted', async () => {
    const token = `1234:${rand()}`;
    em.telegram.tokens.add(token);
    secrets.push(token);
    const fs = feishuChannel();
    const sms = aliyunChannel('wrong-secret-value');
    const { user, strategyId } = await newUser(
      [
        fs.channel,
        sms.channel,
        { type: 'telegram', config: { bot_token: token, chat_id: '-100123' }, base_url: em.telegram.url },
      ],
      {
        routes: { P0: ['telegram', 'feishu', 'sms'] },
      },
    );
    em.telegram.retryAfterSeconds = 1;
    em.telegram.nextReplies.push({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
    });
    em.feishu.failNext(
      fs.token,
      { status: 503, body: 'upstream down' },
      { status: 502, body: 'bad gateway' },
    );
    const seen = { tg: em.telegram.requests.length };
    await ingest(strategyId);
    const rows = await waitFor('settled', async () => {
      const h = await history(user);
      return h.length === 3 && settled(h) && h;
    });
    const by = Object.fromEntries(rows.map((r) => [r.channel, r]));
    expect(by.telegram).toMatchObject({ status: 'success', attempts: 2 });
    const tg = em.telegram.requests.slice(seen.tg);
    expect(tg).toHaveLength(2);
    expect(tg[1]!.at - tg[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(by.feishu).toMatchObject({ status: 'success', attempts: 3 });
    expect(by.sms).toMatchObject({ status: 'failed', attempts: 1, reason: 'rejected' });
    expect(by.sms!.last_error).toMatch(/^aliyun SignatureDoesNotMatch \(request [0-9A-F-]+\)$/);
    expect(JSON.stringify(rows)).not.toContain(sms.number);
  });

  it('after NOTIFY_MAX_ATTEMPTS a message is dead and a system_alert says so', async () => {
    const fs = feishuChannel();
    const { user, strategyId } = await newUser([fs.channel]);
    em.feishu.failNext(fs.token, ...[1, 2, 3].map(() => ({ status: 500, body: 'boom' })));
    await ingest(strategyId);
    const [row] = await waitFor('dead', async () => {
      const h = await history(user);
      return settled(h) && h;
    });
    expect(row).toMatchObject({ status: 'dead', attempts: 3, reason: 'max_attempts' });
    expect(
      alerts.some((a) => a.ownerId === user.id && a.component === 'notifications' && a.level === 'error'),
    ).toBe(true);
    const stats = body(await req(user, 'GET', `${API}/stats`)).data;
    expect(stats.channels).toEqual([
      { channel: 'feishu', sent: 0, failed: 0, suppressed: 0, dead: 1, pending: 0 },
    ]);
  });

  it('a row left mid-send by a dead dispatcher is reclaimed and delivered once to an idempotent receiver', async () => {
    const hook = webhookChannel();
    const { user } = await newUser([hook]);
    const channelId = (
      (await t.app
        .get(DataSource)
        .query(`SELECT id FROM notification_channels WHERE owner_id = $1`, [user.id])) as { id: number }[]
    )[0]!.id;
    const id = crypto.randomUUID();
    const content = testContent('crash test', 'en-US', new Date().toISOString());
    // What a dispatcher killed after its POST leaves behind: claimed, lease lapsed, and the receiver has it.
    await t.app.get(DataSource).query(
      `INSERT INTO notifications (id, created_at, owner_id, channel, channel_id, kind, priority, status, attempts, lease_until, next_attempt_at, content)
       VALUES ($1, $2, $3, 'webhook', $4, 'test', 'P0', 'sending', 1, $5, $2, $6)`,
      [id, new Date(clock.now()), user.id, channelId, new Date(clock.now() - 1000), JSON.stringify(content)],
    );
    em.webhook.deliveries.set(id, { type: 'notification.test' });
    const dispatcher = t.app.get(NotificationDispatcher);
    const reclaimed = dispatcher.counters.reclaimed;
    dispatcher.wake();
    const [row] = await waitFor('reclaimed', async () => {
      const h = await history(user);
      return settled(h) && h;
    });
    expect(row).toMatchObject({ status: 'success', attempts: 2 });
    expect(dispatcher.counters.reclaimed).toBe(reclaimed + 1);
    expect(em.webhook.duplicates).toBeGreaterThanOrEqual(1);
    expect([...em.webhook.deliveries.keys()].filter((k) => k === id)).toHaveLength(1);
  });

  it("the dispatcher's idle probe finds nothing in a retry not yet due or a lease still held", async () => {
    const hook = webhookChannel();
    const { user } = await newUser([hook]);
    const db = t.app.get(DataSource);
    const [{ id: channelId }] = (await db.query(`SELECT id FROM notification_channels WHERE owner_id = $1`, [
      user.id,
    ])) as [{ id: number }];
    const now = clock.now();
    const content = JSON.stringify(testContent('probe', 'en-US', new Date(now).toISOString()));
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    await db.query(
      `INSERT INTO notifications (id, created_at, owner_id, channel, channel_id, kind, priority, status, attempts, lease_until, next_attempt_at, content)
       VALUES ($1, $3, $4, 'webhook', $5, 'test', 'P0', 'pending', 1, NULL, $6, $7),
              ($2, $3, $4, 'webhook', $5, 'test', 'P0', 'sending', 1, $6, $3, $7)`,
      [ids[0], ids[1], new Date(now), user.id, channelId, new Date(now + HOUR), content],
    );
    try {
      // Earlier tests' rows settle within moments; these two must not keep the probe saying yes.
      // (Its yes is what every delivery in this file waits on.)
      const lease = t.app.get(OutboxLease);
      await waitFor('nothing due', async () => !(await lease.anyDue()));
      // and the dispatcher left them alone
      const rows = (await db.query(
        `SELECT status, attempts FROM notifications WHERE id = ANY($1::uuid[]) ORDER BY status`,
        [ids],
      )) as unknown[];
      expect(rows).toEqual([
        { status: 'pending', attempts: 1 },
        { status: 'sending', attempts: 1 },
      ]);
    } finally {
      await db.query(`DELETE FROM notifications WHERE id = ANY($1::uuid[])`, [ids]);
    }
  });

  it('test sends through DingTalk, WeCom, Tencent SMS (per-number failures) and email', async () => {
    const ding = `dt-${rand()}`;
    const dingSecret = `SEC${rand()}`;
    em.dingtalk.robots.set(ding, { secret: dingSecret });
    const key = crypto.randomUUID();
    em.wecom.keys.add(key);
    const tcId = `AKID${rand()}`;
    const tcKey = `tc-${rand()}`;
    em.tencent.keys.set(tcId, tcKey);
    const [ok, bad] = [`+86${phone()}`, `+86${phone()}`];
    em.tencent.failNumbers.set(bad, 'LimitExceeded.PhoneNumberDailyLimit');
    secrets.push(ding, dingSecret, key, tcKey, 'smtp-pass-1');
    const user = await createUser(t);
    const put = await req(user, 'PUT', `${API}/channels`, {
      channels: [
        { type: 'dingtalk', config: { access_token: ding, secret: dingSecret }, base_url: em.dingtalk.url },
        { type: 'wecom', config: { key }, base_url: em.wecom.url },
        {
          type: 'sms',
          config: {
            provider: 'tencent',
            access_key_id: tcId,
            access_key_secret: tcKey,
            sdk_app_id: '1400006666',
            sign_name: 'BTCWatcher',
            template_code: '1234567',
            phone_numbers: [ok, bad],
          },
          base_url: em.tencent.url,
        },
        {
          type: 'email',
          config: {
            host: '127.0.0.1',
            port: em.smtp.port,
            username: 'mailer',
            password: 'smtp-pass-1',
            from: 'bot@example.test',
            to: ['trader@example.test'],
          },
        },
      ],
    });
    expect(put.statusCode).toBe(200);
    const send = async (channel: string) =>
      body(await req(user, 'POST', `${API}/test`, { channel, message: `hi ${channel}` })).data as Record<
        string,
        unknown
      >;
    expect(await send('dingtalk')).toMatchObject({ success: true });
    expect(JSON.stringify(em.dingtalk.accepted.at(-1))).toContain('hi dingtalk');
    expect(await send('wecom')).toMatchObject({ success: true });
    const tc = await send('sms');
    expect(tc).toMatchObject({ success: false });
    expect(tc.error).toContain('LimitExceeded.PhoneNumberDailyLimit');
    expect(tc.error).not.toContain(bad);
    expect(em.tencent.sent.map((s) => s.phone)).toContain(ok);
    expect(await send('email')).toMatchObject({ success: true });
    const mail = em.smtp.mails.at(-1)!;
    expect(mail.envelope).toEqual(['trader@example.test']);
    expect(mail.mail.text).toContain('hi email');
    expect(String(mail.mail.html)).toContain('hi email');
    const h = await history(user, '?channel=sms');
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ kind: 'test', status: 'failed' });
  });

  it('per-strategy overrides and per-channel minimum level route signals; error alerts go like P0', async () => {
    const fs = feishuChannel({ min_level: 'P0' });
    const hook = webhookChannel();
    const { user, strategyId } = await newUser([fs.channel, hook], {
      routes: { P0: ['feishu'], P1: ['feishu', 'webhook'] },
    });
    const bad = await req(user, 'PUT', `/api/v1/strategies/${strategyId}`, {
      notification_overrides: { routes: { P1: ['pager'] } },
    });
    expect(bad.statusCode).toBe(400);
    // P1 → feishu and webhook by the rules, but feishu takes P0 only.
    await ingest(strategyId, { strength: 60 });
    const first = await waitFor('P1 decided', async () => {
      const h = await history(user);
      return settled(h) && h;
    });
    expect(first.map((r) => r.channel)).toEqual(['webhook']);
    // This strategy's P1 goes to feishu only: the override replaces the rule, the minimum level still holds.
    const put = await req(user, 'PUT', `/api/v1/strategies/${strategyId}`, {
      notification_overrides: { routes: { P0: ['webhook'], P1: ['feishu'] }, cooldown_seconds: 0 },
    });
    expect(put.statusCode).toBe(200);
    expect(body(put).data.notification_overrides).toEqual({
      routes: { P0: ['webhook'], P1: ['feishu'] },
      cooldown_seconds: 0,
    });
    await ingest(strategyId, { strength: 60, pair: 'ETH/USDT' });
    await ingest(strategyId, { strength: 95, pair: 'ETH/USDT', kind: 'exit_long' });
    const rows = await waitFor('overrides applied', async () => {
      const h = await history(user);
      return h.length === 2 && settled(h) && h;
    });
    expect(rows.map((r) => `${r.channel}:${r.priority}`)).toEqual(['webhook:P0', 'webhook:P1']);
    await req(user, 'PUT', `/api/v1/strategies/${strategyId}`, { notification_overrides: { muted: true } });
    await ingest(strategyId, { strength: 95 });
    await t.app.get(NotificationDispatcher).drain();

    t.app.get(EventEmitter2).emit(Events.SystemAlert, {
      level: 'critical',
      message: 'bot Alpha crashed',
      component: 'freqtrade',
      ownerId: user.id,
    } satisfies SystemAlertEvent);
    t.app.get(EventEmitter2).emit(Events.SystemAlert, {
      level: 'warning',
      message: 'slow',
      component: 'proxy',
      ownerId: user.id,
    } satisfies SystemAlertEvent);
    const alert = await waitFor('alert sent', async () =>
      (await history(user)).find((r) => r.kind === 'system_alert' && r.status === 'success'),
    );
    expect(alert).toMatchObject({ channel: 'feishu', priority: 'P0' });
    const all = await history(user);
    expect(all).toHaveLength(3);
    expect(JSON.stringify(em.feishu.accepted.filter((a) => a.token === fs.token).at(-1)!.body)).toContain(
      'bot Alpha crashed',
    );
  });

  it('secrets never reach a log line', () => {
    const logs = JSON.stringify(t.logs);
    for (const s of secrets) expect(logs).not.toContain(s);
  });
});

describeIfPg('notifications: two dispatchers on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    hook = await new WebhookReceiver().start();
    a = await startTestApp({ mode: 'postgres', env: { RATE_LIMIT_MAX: '0', NOTIFY_POLL_MS: '20' } });
    const db = a.config.database;
    b = await startTestApp({
      mode: 'postgres',
      reuse: { dataDir: a.dataDir, databaseUrl: db.mode === 'postgres' ? db.url : undefined },
      env: {
        RATE_LIMIT_MAX: '0',
        NOTIFY_POLL_MS: '20',
        ...(a.config.redis ? { REDIS_KEY_PREFIX: a.config.redis.keyPrefix } : {}),
      },
    });
    mkdirSync(path.join(a.dataDir, 'strategies'), { recursive: true });
    writeFileSync(path.join(a.dataDir, 'strategies', 'probe.py'), SOURCE);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await hook?.close();
  });

  it('sends every row exactly once', async () => {
    hook.secret = `whsec_${randomBytes(32).toString('base64')}`;
    const user = await createUser(a);
    const s = await a.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: bearer(user.accessToken),
      payload: {
        name: 'Twin',
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '1h',
          pair_whitelist: ['BTC/USDT'],
        },
      },
    });
    const strategyId = body(s).data.id as number;
    await a.request({
      method: 'PUT',
      url: `${API}/channels`,
      headers: bearer(user.accessToken),
      payload: { channels: [{ type: 'webhook', config: { url: `${hook.url}/in`, secret: hook.secret } }] },
    });
    await a.request({
      method: 'PUT',
      url: `${API}/rules`,
      headers: bearer(user.accessToken),
      payload: { routes: { P0: ['webhook'] }, storm_threshold: 1000 },
    });
    const base = Math.floor(Date.now() / HOUR) * HOUR - 500 * HOUR;
    const n = 30;
    await a.app.get(SignalsService).ingest(
      Array.from({ length: n }, (_, i) => ({
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '1h',
        candleTime: new Date(base + i * HOUR),
        kind: 'enter_long' as const,
        strength: 90,
        price: 1,
        indicators: {},
      })),
    );
    await waitFor('all delivered', () => hook.deliveries.size === n, 30_000);
    await Promise.all([a.app.get(NotificationDispatcher).drain(), b.app.get(NotificationDispatcher).drain()]);
    expect(hook.requests).toHaveLength(n);
    expect(hook.duplicates).toBe(0);
    const both = [a, b].map((x) => x.app.get(NotificationDispatcher).counters.sent);
    expect(both[0]! + both[1]!).toBe(n);
  });
});
