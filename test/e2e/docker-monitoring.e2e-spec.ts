import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { METRIC, Metrics } from '../../src/infra/metrics/metrics.js';

/**
 * The monitoring files in docker/ against the metrics the app really exports: every metric a
 * dashboard query names exists (histograms through their _bucket/_sum/_count series), every
 * metric of the app is on the dashboard, and Prometheus scrapes the app where it serves them.
 */
const ROOT = process.cwd();
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(read('docker/grafana/dashboards/btc-watcher.json')) as { panels: Panel[] };
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/** Metric names in a PromQL expression: identifiers outside label matchers, ranges and `by (…)`. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without)\s*\([^)]*\)/g, ' '); // grouping labels
  const FUNCTIONS = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'count', 'avg', 'max', 'min']);
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(?:[^\w(]|$))/g)]
    .map((m) => m[0])
    .filter((name) => !FUNCTIONS.has(name));
}

async function exported(): Promise<Map<string, string>> {
  const metrics = new Metrics({ defaults: true });
  const json = await metrics.registry.getMetricsAsJSON();
  const out = new Map<string, string>();
  for (const m of json) {
    out.set(m.name, String(m.type));
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) out.set(m.name + s, 'series');
  }
  return out;
}

describe('docker/grafana dashboard', () => {
  it('has queries, each naming at least one metric', () => {
    expect(exprs.length).toBeGreaterThan(15);
    for (const { panel, expr } of exprs)
      expect({ panel, names: metricNames(expr).length > 0 }).toEqual({ panel, names: true });
  });

  it('queries only metrics the app exports', async () => {
    const known = await exported();
    const unknown = exprs.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((n) => !known.has(n))
        .map((n) => `${panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the name check catches a misspelt metric', async () => {
    const known = await exported();
    expect(
      metricNames('sum by (le) (rate(btcw_signal_latncy_seconds_bucket{x="1"}[5m]))').filter(
        (n) => !known.has(n),
      ),
    ).toEqual(['btcw_signal_latncy_seconds_bucket']);
  });

  it('shows every metric of the app', () => {
    const used = new Set(
      exprs.flatMap(({ expr }) => metricNames(expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(Object.values(METRIC).filter((n) => !used.has(n))).toEqual([]);
  });

  it('uses the provisioned Prometheus data source', () => {
    const ds = parse(read('docker/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    const uid = ds.datasources[0]!.uid;
    expect(ds.datasources[0]!.url).toBe('http://prometheus:9090');
    const used = JSON.stringify(dashboard)
      .match(/"uid":\s*"([^"]+)"/g)!
      .map((m) => m.replace(/.*"([^"]+)"$/, '$1'));
    expect(new Set(used.filter((u) => u !== 'btc-watcher'))).toEqual(new Set([uid]));
  });
});

describe('docker/prometheus', () => {
  it('scrapes the app at /metrics on its API port', () => {
    const cfg = parse(read('docker/prometheus/prometheus.yml')) as {
      scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const job = cfg.scrape_configs[0]!;
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.static_configs[0]!.targets).toEqual(['app:8000']);
  });

  it('compose runs prometheus and grafana with these files, only under the monitoring profile', () => {
    const compose = parse(read('docker/docker-compose.yml')) as { services: Record<string, any> };
    for (const name of ['prometheus', 'grafana'])
      expect(compose.services[name].profiles).toEqual(['monitoring']);
    expect(compose.services.prometheus.volumes).toContain(
      './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(compose.services.grafana.volumes).toEqual(
      expect.arrayContaining([
        './grafana/provisioning:/etc/grafana/provisioning:ro',
        './grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
  });
});
