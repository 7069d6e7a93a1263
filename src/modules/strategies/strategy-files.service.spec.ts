import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { AppException } from '../../common/errors/app.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { StrategyFilesService, strategyClassesIn } from './strategy-files.service.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'btcw-files-'));
const root = path.join(base, 'strategies');
mkdirSync(path.join(root, 'sub'), { recursive: true });
writeFileSync(
  path.join(root, 'ma.py'),
  'from freqtrade.strategy import IStrategy\n\nclass MaCross(IStrategy):\n    pass\n\nclass Helper:\n    pass\n',
);
writeFileSync(
  path.join(root, 'sub', 'rsi.py'),
  'import freqtrade.strategy as s\nclass Rsi(s.IStrategy):\n    pass\n',
);
writeFileSync(path.join(base, 'outside.py'), 'class Evil(IStrategy):\n    pass\n');
symlinkSync(path.join(base, 'outside.py'), path.join(root, 'escape.py'));
symlinkSync(path.join(root, 'ma.py'), path.join(root, 'alias.py'));

const sut = new StrategyFilesService({ paths: { strategiesDir: root } } as AppConfig);
afterAll(() => rmSync(base, { recursive: true, force: true }));

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AppException).code;
  }
  return 'no error';
};

describe('StrategyFilesService', () => {
  it('finds IStrategy subclasses statically, qualified or not, and nothing else', () => {
    expect(
      strategyClassesIn('class A(IStrategy):\n  x=1\nclass B(Other):\n  pass\n  class C(IStrategy):\n'),
    ).toEqual(['A']);
    expect(strategyClassesIn('class Q(freqtrade.strategy.IStrategy):\n')).toEqual(['Q']);
  });

  it('resolves files inside the directory, including symlinks that stay inside', () => {
    expect(sut.resolve('ma.py')).toMatch(/ma\.py$/);
    expect(sut.resolve('sub/rsi.py')).toMatch(/rsi\.py$/);
    expect(sut.resolve('alias.py')).toMatch(/ma\.py$/);
  });

  it('refuses absolute paths, .. and symlinks escaping the directory with 400; a missing file with its own code', () => {
    expect(codeOf(() => sut.resolve('/etc/passwd.py'))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => sut.resolve('../outside.py'))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => sut.resolve('sub/../../outside.py'))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => sut.resolve('escape.py'))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => sut.resolve('ma.txt'))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => sut.resolve('missing.py'))).toBe('STRATEGY_FILE_NOT_FOUND');
  });

  it('lists .py files with their classes; a symlink leading outside is not listed', async () => {
    const files = await sut.list();
    expect(files.map((f) => [f.path, f.classes])).toEqual([
      ['alias.py', ['MaCross']],
      ['ma.py', ['MaCross']],
      ['sub/rsi.py', ['Rsi']],
    ]);
  });
});
