import { describe, expect, it } from '@jest/globals';
import { compareVersions, newestStable, parseReleaseIndex } from './release-index.js';

const file = (t: string, yanked = false) => ({ upload_time_iso_8601: t, yanked });

describe('release index', () => {
  it('orders CalVer numerically, pre-releases before their release', () => {
    const sorted = ['2025.10', '2025.9', '2025.9.1', '2024.12', '2025.7.dev0', '2025.7'].sort(
      compareVersions,
    );
    expect(sorted).toEqual(['2024.12', '2025.7.dev0', '2025.7', '2025.9', '2025.9.1', '2025.10']);
  });

  it('parses the JSON API: newest first, pre-releases, yanked and unsupported marked, empty ones dropped', () => {
    const releases = parseReleaseIndex(
      JSON.stringify({
        info: { version: '2025.10' },
        releases: {
          '2023.12': [file('2023-12-30T10:00:00.000000Z')],
          '2025.8': [file('2025-08-31T18:00:00.000000Z'), file('2025-08-31T18:00:05.000000Z')],
          '2025.10': [file('2025-10-31T16:17:43.000000Z')],
          '2025.11.dev0': [file('2025-11-10T00:00:00.000000Z')],
          '2025.9': [file('2025-09-29T17:51:53.000000Z', true)],
          '2025.12': [],
        },
      }),
    );
    expect(releases.map((r) => r.version)).toEqual([
      '2025.11.dev0',
      '2025.10',
      '2025.9',
      '2025.8',
      '2023.12',
    ]);
    expect(releases.find((r) => r.version === '2025.8')).toEqual({
      version: '2025.8',
      released_at: '2025-08-31T18:00:00.000Z',
      prerelease: false,
      yanked: false,
      supported: true,
    });
    expect(releases.find((r) => r.version === '2025.11.dev0')?.prerelease).toBe(true);
    expect(releases.find((r) => r.version === '2025.9')?.yanked).toBe(true);
    expect(releases.find((r) => r.version === '2023.12')?.supported).toBe(false);
    expect(newestStable(releases)?.version).toBe('2025.10');
  });

  it('refuses a body that is not the JSON API', () => {
    expect(() => parseReleaseIndex('<html>')).toThrow();
    expect(() => parseReleaseIndex('{"info": {}}')).toThrow(/releases/);
  });
});
