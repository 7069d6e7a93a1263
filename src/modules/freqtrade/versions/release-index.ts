/**
 * freqtrade's releases as a package index's JSON API lists them (PyPI's `/pypi/<name>/json`:
 * `{"info": {...}, "releases": {"2025.8": [{"upload_time_iso_8601", "yanked", ...}], ...}}`).
 * Versions are CalVer `YYYY.M[.patch]`; anything else (`2025.7.dev0`, `2024.1rc1`) is a pre-release.
 */
export interface FreqtradeRelease {
  version: string;
  released_at: string | null;
  prerelease: boolean;
  yanked: boolean;
  /** Older than the oldest release BTC Watcher drives (2024.1). */
  supported: boolean;
}

export const OLDEST_SUPPORTED = '2024.1';
const STABLE = /^\d{4}\.\d{1,2}(\.\d+)?$/;

export const isStableVersion = (v: string) => STABLE.test(v);

/** Numeric parts of a version, pre-release suffixes cut off (`2025.7.dev0` → [2025, 7]). */
function parts(v: string): number[] {
  const out: number[] = [];
  for (const p of v.split('.')) {
    const m = /^(\d+)/.exec(p);
    if (!m) break;
    out.push(Number(m[1]));
    if (m[1] !== p) break;
  }
  return out;
}

/** CalVer order; a pre-release sorts before the release it leads to. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  const sa = isStableVersion(a);
  const sb = isStableVersion(b);
  if (sa !== sb) return sa ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const isSupportedVersion = (v: string) => compareVersions(v, OLDEST_SUPPORTED) >= 0;

interface IndexFile {
  upload_time_iso_8601?: unknown;
  upload_time?: unknown;
  yanked?: unknown;
}

/** Parses the JSON API body; throws on a body that is not one. Newest first. */
export function parseReleaseIndex(body: string): FreqtradeRelease[] {
  const doc = JSON.parse(body) as { releases?: unknown };
  if (!doc || typeof doc !== 'object' || !doc.releases || typeof doc.releases !== 'object')
    throw new Error('the index answer has no "releases" object');
  const out: FreqtradeRelease[] = [];
  for (const [version, files] of Object.entries(doc.releases as Record<string, unknown>)) {
    // A version without files was registered but never uploaded: nothing to install.
    if (!Array.isArray(files) || files.length === 0 || !parts(version).length) continue;
    const list = files as IndexFile[];
    const times = list
      .map((f) => f.upload_time_iso_8601 ?? f.upload_time)
      .filter((t): t is string => typeof t === 'string')
      .map((t) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`))
      .filter((d) => !Number.isNaN(d.getTime()))
      .sort((x, y) => x.getTime() - y.getTime());
    out.push({
      version,
      released_at: times[0]?.toISOString() ?? null,
      prerelease: !isStableVersion(version),
      yanked: list.every((f) => f.yanked === true),
      supported: isSupportedVersion(version),
    });
  }
  return out.sort((a, b) => compareVersions(b.version, a.version));
}

/** The newest stable, supported, not yanked release. */
export function newestStable(releases: readonly FreqtradeRelease[]): FreqtradeRelease | null {
  return releases.find((r) => !r.prerelease && !r.yanked && r.supported) ?? null;
}
