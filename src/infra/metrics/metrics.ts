import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric BTC Watcher exports, named once. The Grafana dashboard in docker/ queries these
 * names (a test checks it); modules record through the typed methods of `Metrics`, never through
 * prom-client directly.
 */
export const METRIC = {
  httpRequestDuration: 'btcw_http_request_duration_seconds',
  signalsIngested: 'btcw_signals_ingested_total',
  signalsDuplicate: 'btcw_signals_duplicate_total',
  signalsBelowThreshold: 'btcw_signals_below_threshold_total',
  signalLatency: 'btcw_signal_latency_seconds',
  botUp: 'btcw_bot_up',
  botHealthScore: 'btcw_bot_health_score',
  freqtradeRestarts: 'btcw_freqtrade_restarts_total',
  taskDuration: 'btcw_task_duration_seconds',
  notifications: 'btcw_notifications_total',
  notificationSendDuration: 'btcw_notification_send_duration_seconds',
  proxyChecks: 'btcw_proxy_checks_total',
  proxyCheckDuration: 'btcw_proxy_check_duration_seconds',
  exchangeRequests: 'btcw_exchange_requests_total',
  exchangeRequestDuration: 'btcw_exchange_request_duration_seconds',
  chartCache: 'btcw_chart_cache_requests_total',
} as const;

/** What the bot gauges read at scrape time, one entry per bot this instance runs. */
export interface BotSample {
  strategyId: number;
  /** The bot process runs (not starting, restarting or failed). */
  up: boolean;
  /** Last health score (0–100), null before the first one. */
  healthScore: number | null;
}

/** Outcome of a notification attempt, as the notifications module names it. */
export type NotificationOutcome = 'sent' | 'failed' | 'rate_limited' | 'suppressed' | 'retry';
/** Outcome of a proxy health check. */
export type ProxyCheckOutcome = 'ok' | 'failed' | 'timeout';
/** Outcome of one exchange call made by the market-data port. */
export type ExchangeOutcome = 'ok' | 'unavailable' | 'timeout' | 'bad_request';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TASK_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const SEND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * The metrics port: one prom-client registry per application (so several apps in one process —
 * tests — never share counters), recorded through typed methods. Label values are bounded:
 * strategy ids, route templates (never raw URLs), channel types, task names.
 */
export class Metrics {
  readonly registry = new Registry();
  private bots: () => Iterable<BotSample> = () => [];

  private readonly http = new Histogram({
    name: METRIC.httpRequestDuration,
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly ingested = this.counter(METRIC.signalsIngested, 'Signals stored', ['strategy_id']);
  private readonly duplicate = this.counter(
    METRIC.signalsDuplicate,
    'Signal candidates ignored as already stored',
    ['strategy_id'],
  );
  private readonly belowThreshold = this.counter(
    METRIC.signalsBelowThreshold,
    'Signal candidates below the weak threshold (not stored)',
    ['strategy_id'],
  );
  private readonly latency = new Histogram({
    name: METRIC.signalLatency,
    help: 'Signal end-to-end latency: candle close to the realtime emit on this instance',
    labelNames: ['timeframe'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly restarts = this.counter(
    METRIC.freqtradeRestarts,
    'Automatic restarts of crashed freqtrade bots',
    ['strategy_id'],
  );
  private readonly tasks = new Histogram({
    name: METRIC.taskDuration,
    help: 'Duration of long-running tasks from first start to final status',
    labelNames: ['task_name', 'status'] as const,
    buckets: TASK_BUCKETS,
    registers: [this.registry],
  });
  private readonly notifications = this.counter(
    METRIC.notifications,
    'Notification attempts by channel type and outcome',
    ['channel', 'status'],
  );
  private readonly notificationSend = new Histogram({
    name: METRIC.notificationSendDuration,
    help: 'Time to hand one notification to its vendor, by channel type',
    labelNames: ['channel'] as const,
    buckets: SEND_BUCKETS,
    registers: [this.registry],
  });
  private readonly proxyChecks = this.counter(METRIC.proxyChecks, 'Proxy health checks by outcome', [
    'result',
  ]);
  private readonly proxyCheck = new Histogram({
    name: METRIC.proxyCheckDuration,
    help: 'Proxy health check duration',
    buckets: SEND_BUCKETS,
    registers: [this.registry],
  });
  private readonly exchange = this.counter(
    METRIC.exchangeRequests,
    'Market-data calls to exchanges by outcome',
    ['exchange', 'outcome'],
  );
  private readonly exchangeDuration = new Histogram({
    name: METRIC.exchangeRequestDuration,
    help: 'Market-data call duration by exchange',
    labelNames: ['exchange'] as const,
    buckets: SEND_BUCKETS,
    registers: [this.registry],
  });
  private readonly chartCache = this.counter(
    METRIC.chartCache,
    'Chart data lookups answered from the cache (hit) or the exchange (miss)',
    ['result'],
  );

  constructor(opts: { defaults?: boolean } = {}) {
    const bots = () => this.bots;
    new Gauge({
      name: METRIC.botUp,
      help: '1 while the strategy bot runs on this instance, 0 while it starts, restarts or has failed',
      labelNames: ['strategy_id'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const b of bots()()) this.set({ strategy_id: String(b.strategyId) }, b.up ? 1 : 0);
      },
    });
    new Gauge({
      name: METRIC.botHealthScore,
      help: 'Last health score (0-100) of each strategy bot on this instance',
      labelNames: ['strategy_id'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const b of bots()())
          if (b.healthScore !== null) this.set({ strategy_id: String(b.strategyId) }, b.healthScore);
      },
    });
    // process_* and nodejs_* (CPU, RSS, heap, GC, event-loop lag with p50/p90/p99, handles).
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `route` is the route template (`/api/v1/signals/:id`), or `unmatched`. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  signalsIngested(strategyId: number, n = 1): void {
    if (n > 0) this.ingested.inc({ strategy_id: String(strategyId) }, n);
  }

  signalsDuplicate(strategyId: number, n = 1): void {
    if (n > 0) this.duplicate.inc({ strategy_id: String(strategyId) }, n);
  }

  signalsBelowThreshold(strategyId: number, n = 1): void {
    if (n > 0) this.belowThreshold.inc({ strategy_id: String(strategyId) }, n);
  }

  /** Candle close (open time + timeframe) to the realtime emit. */
  signalLatency(timeframe: string, seconds: number): void {
    this.latency.observe({ timeframe }, Math.max(0, seconds));
  }

  /** The bot gauges read `source` at every scrape (the freqtrade module plugs its bots in). */
  watchBots(source: () => Iterable<BotSample>): void {
    this.bots = source;
  }

  freqtradeRestart(strategyId: number): void {
    this.restarts.inc({ strategy_id: String(strategyId) });
  }

  taskFinished(taskName: string, status: string, seconds: number): void {
    this.tasks.observe({ task_name: taskName, status }, Math.max(0, seconds));
  }

  /**
   * For the notifications module: one attempt on a channel type (`feishu`, `sms_aliyun`, …);
   * `seconds` is the vendor call's duration when one was made.
   */
  notification(channel: string, status: NotificationOutcome, seconds?: number): void {
    this.notifications.inc({ channel, status });
    if (seconds !== undefined) this.notificationSend.observe({ channel }, Math.max(0, seconds));
  }

  /** For the proxies module: one health check's outcome and duration. */
  proxyChecked(result: ProxyCheckOutcome, seconds: number): void {
    this.proxyChecks.inc({ result });
    this.proxyCheck.observe(Math.max(0, seconds));
  }

  exchangeRequest(exchange: string, outcome: ExchangeOutcome, seconds: number): void {
    this.exchange.inc({ exchange, outcome });
    this.exchangeDuration.observe({ exchange }, Math.max(0, seconds));
  }

  chartCacheLookup(hit: boolean): void {
    this.chartCache.inc({ result: hit ? 'hit' : 'miss' });
  }

  /** Chart cache hits / lookups since start, null before the first lookup. */
  async chartCacheHitRatio(): Promise<number | null> {
    const { values } = await this.chartCache.get();
    const hit = values.find((v) => v.labels.result === 'hit')?.value ?? 0;
    const miss = values.find((v) => v.labels.result === 'miss')?.value ?? 0;
    return hit + miss ? hit / (hit + miss) : null;
  }

  /** The current value of a default gauge (e.g. `nodejs_eventloop_lag_p99_seconds`), null if absent. */
  async gauge(name: string): Promise<number | null> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return null;
    const { values } = await m.get();
    return values[0]?.value ?? null;
  }

  /** Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
