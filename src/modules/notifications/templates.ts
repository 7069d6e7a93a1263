import type { MessageContent } from '../../infra/channels/channel.port.js';

export type Language = 'zh-CN' | 'en-US';

const T = {
  'zh-CN': {
    BUY: '买入',
    SELL: '卖出',
    HOLD: '观望',
    strategy: '策略',
    pair: '交易对',
    strength: '强度',
    price: '价格',
    candle: 'K线时间',
    indicators: '指标',
    levels: { strong: '强', medium: '中', weak: '弱' } as Record<string, string>,
    digestTitle: (n: number, why: string) => `${n} 条信号汇总（${why}）`,
    quiet_hours: '免打扰时段',
    storm: '信号风暴',
    test: 'BTC Watcher 测试消息',
    alert: '系统告警',
    component: '组件',
    footer: 'BTC Watcher',
  },
  'en-US': {
    BUY: 'BUY',
    SELL: 'SELL',
    HOLD: 'HOLD',
    strategy: 'Strategy',
    pair: 'Pair',
    strength: 'Strength',
    price: 'Price',
    candle: 'Candle',
    indicators: 'Indicators',
    levels: { strong: 'strong', medium: 'medium', weak: 'weak' } as Record<string, string>,
    digestTitle: (n: number, why: string) => `${n} signals digest (${why})`,
    quiet_hours: 'quiet hours',
    storm: 'signal storm',
    test: 'BTC Watcher test message',
    alert: 'System alert',
    component: 'Component',
    footer: 'BTC Watcher',
  },
};

export function languageOf(value: string | null | undefined): Language {
  return value === 'en-US' ? 'en-US' : 'zh-CN';
}

/** `2024-01-15 22:25` in the user's time zone (falls back to UTC for an unknown zone). */
export function formatTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(d);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
  } catch {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
function formatNumber(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return String(v);
  return Math.abs(n) >= 1000 ? n.toFixed(2) : Number(n.toPrecision(6)).toString();
}

/** What a signal notification needs from the stored signal (GET /signals/{id}'s shape). */
export interface SignalView {
  id: string;
  timestamp: string;
  strategy_id: number;
  strategy_name: string;
  strategy_version: string;
  pair: string;
  timeframe: string;
  signal_type: string;
  strength_raw: number;
  strength_level: string;
  priority: 'P0' | 'P1' | 'P2';
  price: number;
  indicators: Record<string, unknown>;
}

export function signalContent(s: SignalView, lang: Language, timeZone: string): MessageContent {
  const t = T[lang];
  const side = t[s.signal_type as 'BUY' | 'SELL' | 'HOLD'] ?? s.signal_type;
  const indicators = Object.entries(s.indicators ?? {})
    .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(', ');
  const strength = `${formatNumber(s.strength_raw)} (${t.levels[s.strength_level] ?? s.strength_level}, ${s.priority})`;
  const time = formatTime(s.timestamp, timeZone);
  return {
    kind: 'signal',
    title: `${side} ${s.pair} ${s.timeframe}`,
    level: s.priority,
    tone: s.signal_type === 'SELL' ? 'sell' : 'buy',
    lines: [
      { label: t.strategy, value: `${s.strategy_name} ${s.strategy_version}` },
      { label: t.pair, value: `${s.pair} ${s.timeframe}` },
      { label: t.strength, value: strength },
      { label: t.price, value: formatNumber(s.price) },
      { label: t.candle, value: time },
      ...(indicators ? [{ label: t.indicators, value: indicators }] : []),
    ],
    items: [],
    footer: t.footer,
    smsParams: {
      strategy: s.strategy_name,
      version: s.strategy_version,
      pair: s.pair,
      side,
      strength: formatNumber(s.strength_raw),
      level: t.levels[s.strength_level] ?? s.strength_level,
      price: formatNumber(s.price),
      timeframe: s.timeframe,
      time,
    },
    event: {
      type: 'signal.created',
      timestamp: s.timestamp,
      data: {
        signal_id: s.id,
        strategy_id: s.strategy_id,
        strategy_name: s.strategy_name,
        strategy_version: s.strategy_version,
        pair: s.pair,
        timeframe: s.timeframe,
        side: s.signal_type,
        strength: s.strength_raw,
        strength_level: s.strength_level,
        priority: s.priority,
        price: s.price,
        indicators: s.indicators,
      },
    },
  };
}

/** One message carrying held or collapsed rows; its level is the most urgent of them. */
export function digestContent(
  members: MessageContent[],
  why: 'quiet_hours' | 'storm',
  lang: Language,
  nowIso: string,
): MessageContent {
  const t = T[lang];
  const level = (['P0', 'P1', 'P2'] as const).find((l) => members.some((m) => m.level === l)) ?? 'P2';
  const items = members.map((m) => {
    const price = m.lines.find((l) => l.label === t.price)?.value ?? m.smsParams.price ?? '';
    return `${m.title} · ${m.smsParams.strategy ?? ''} · ${m.smsParams.strength ?? ''} · ${price}`.trim();
  });
  return {
    kind: 'digest',
    title: t.digestTitle(members.length, t[why]),
    level,
    tone: 'info',
    lines: [],
    items: items.slice(0, 50).concat(items.length > 50 ? [`… +${items.length - 50}`] : []),
    footer: t.footer,
    smsParams: {
      strategy: t.digestTitle(members.length, t[why]),
      pair: [...new Set(members.map((m) => m.smsParams.pair))].slice(0, 3).join(','),
      side: '',
      strength: String(members.length),
    },
    event: {
      type: 'signal.digest',
      timestamp: nowIso,
      data: { reason: why, count: members.length, signals: members.map((m) => m.event.data) },
    },
  };
}

export function testContent(message: string, lang: Language, nowIso: string): MessageContent {
  const t = T[lang];
  return {
    kind: 'test',
    title: t.test,
    level: 'P0',
    tone: 'info',
    lines: [],
    items: [message],
    footer: t.footer,
    smsParams: {
      strategy: t.test,
      pair: '-',
      side: '-',
      strength: '-',
      version: '-',
      price: '-',
      level: '-',
      timeframe: '-',
      time: nowIso,
    },
    event: { type: 'notification.test', timestamp: nowIso, data: { message } },
  };
}

export function alertContent(
  a: { level: string; message: string; component: string },
  lang: Language,
  nowIso: string,
): MessageContent {
  const t = T[lang];
  return {
    kind: 'system_alert',
    title: `${t.alert} [${a.level}]`,
    level: 'P0',
    tone: 'alert',
    lines: [{ label: t.component, value: a.component }],
    items: [a.message],
    footer: t.footer,
    smsParams: {
      strategy: t.alert,
      pair: a.component,
      side: a.level,
      strength: '-',
      version: '-',
      price: '-',
      level: a.level,
      timeframe: '-',
      time: nowIso,
    },
    event: { type: 'system.alert', timestamp: nowIso, data: { ...a } },
  };
}
