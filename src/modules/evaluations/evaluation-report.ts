import type { JsonObject } from '../../common/types/json.js';
import type { Dataset } from '../datasets/datasets.service.js';
import { tradesOf, type SeriesPoint } from './backtest-figures.js';
import type { GroupFigures, SignalQuality } from './signal-quality.js';

interface ReportInput {
  name: string;
  type: string;
  dataset: Dataset;
  outcomes: { label: string; stats: JsonObject; results: JsonObject }[];
  charts: JsonObject[];
}

const esc = (v: unknown): string =>
  String(v ?? '—').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const SUMMARY: [string, string][] = [
  ['total_return', 'Total return %'],
  ['annual_return', 'Annual return (CAGR) %'],
  ['max_drawdown', 'Max drawdown %'],
  ['sharpe_ratio', 'Sharpe'],
  ['sortino_ratio', 'Sortino'],
  ['calmar_ratio', 'Calmar'],
  ['win_rate', 'Win rate'],
  ['profit_factor', 'Profit factor'],
  ['total_trades', 'Trades'],
  ['avg_trade_duration_seconds', 'Avg trade duration (s)'],
  ['exposure', 'Exposure'],
  ['market_change', 'Market change %'],
  ['final_balance', 'Final balance'],
];

/** A self-contained page: no script, no outside resource, charts as inline SVG. */
export function renderReport(r: ReportInput): string {
  const head = r.outcomes.map((o) => `<th>${esc(o.label)}</th>`).join('');
  const rows = SUMMARY.map(
    ([k, label]) =>
      `<tr><th>${esc(label)}</th>${r.outcomes.map((o) => `<td>${esc(fmt(o.results[k]))}</td>`).join('')}</tr>`,
  ).join('');
  const series = (type: string) =>
    r.charts.find((c) => c.type === type)?.data as unknown as SeriesPoint[] | undefined;
  const trades = tradesOf(r.outcomes[0]!.stats);
  const tradeRows = trades
    .slice(0, 500)
    .map(
      (t) =>
        `<tr><td>${esc(t.pair)}</td><td>${esc(new Date(t.open_timestamp).toISOString())}</td><td>${esc(new Date(t.close_timestamp).toISOString())}</td><td>${esc(t.open_rate)}</td><td>${esc(t.close_rate)}</td><td>${esc(fmt(t.profit_ratio * 100))}</td><td>${esc(fmt(t.profit_abs))}</td><td>${esc(t.exit_reason)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child{text-align:left}svg{background:#fafafa;border:1px solid #ddd}</style>
</head><body>
<h1>${esc(r.name)}</h1>
<p>${esc(r.type)} · ${esc(r.dataset.pair)} ${esc(r.dataset.timeframe)} on ${esc(r.dataset.exchange)} · dataset #${r.dataset.id} · ${esc(r.outcomes[0]!.results.backtest_start)} → ${esc(r.outcomes[0]!.results.backtest_end)}</p>
<h2>Summary</h2>
<table><tr><th></th>${head}</tr>${rows}</table>
<h2>Equity</h2>${svgLine(series('equity_curve') ?? [], '#2a6')}
<h2>Drawdown %</h2>${svgLine(series('drawdown') ?? [], '#c33')}
<h2>Benchmark (buy and hold %)</h2>${svgLine(series('benchmark') ?? [], '#36c')}
<h2>Trades (${trades.length}${trades.length > 500 ? ', first 500 shown' : ''})</h2>
<table><tr><th>Pair</th><th>Open</th><th>Close</th><th>Open rate</th><th>Close rate</th><th>Profit %</th><th>Profit</th><th>Exit reason</th></tr>${tradeRows}</table>
</body></html>
`;
}

function fmt(v: unknown): unknown {
  return typeof v === 'number' ? Math.round(v * 10_000) / 10_000 : v;
}

function svgLine(points: SeriesPoint[], color: string, w = 800, h = 200): string {
  if (points.length < 2) return '<p>(not enough points)</p>';
  const xs = points.map((p) => Date.parse(p.timestamp));
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number) => ((x - x0) / (x1 - x0 || 1)) * (w - 60) + 50;
  const py = (y: number) => h - 20 - ((y - y0) / (y1 - y0)) * (h - 40);
  const d = points
    .map((p, i) => `${i ? 'L' : 'M'}${px(xs[i]!).toFixed(1)},${py(p.value).toFixed(1)}`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><text x="4" y="14" font-size="11">${esc(fmt(y1))}</text><text x="4" y="${h - 22}" font-size="11">${esc(fmt(y0))}</text><path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/></svg>`;
}

/** The signal-quality study as a page: one table per grouping, rows per group, columns per horizon. */
export function renderQualityReport(
  name: string,
  strategy: string,
  dataset: Dataset,
  q: SignalQuality,
): string {
  const table = (title: string, groups: Record<string, GroupFigures>) => {
    const head = q.horizons.map((h) => `<th>+${h} mean %</th><th>+${h} hit</th>`).join('');
    const rows = Object.entries(groups)
      .map(
        ([k, g]) =>
          `<tr><th>${esc(k)}</th><td>${g.signals}</td>${g.horizons.map((h) => `<td>${esc(fmt(h.mean_return))}</td><td>${esc(fmt(h.hit_rate))}</td>`).join('')}<td>${esc(fmt(g.mean_mfe))}</td><td>${esc(fmt(g.mean_mae))}</td></tr>`,
      )
      .join('');
    return `<h2>${esc(title)}</h2><table><tr><th></th><th>signals</th>${head}<th>MFE %</th><th>MAE %</th></tr>${rows}</table>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child{text-align:left}</style>
</head><body>
<h1>${esc(name)}</h1>
<p>Signal quality of ${esc(strategy)} on ${esc(dataset.pair)} ${esc(dataset.timeframe)} (dataset #${dataset.id}); returns in the signal's direction after N candles.</p>
${table('Overall', { all: q.overall })}${table('By strength level', q.by_strength_level)}${table('By priority', q.by_priority)}
<p>${q.unscored_signals} signal(s) fell outside the dataset's candles.</p>
</body></html>
`;
}
