import { describe, expect, it } from '@jest/globals';
import { AppException } from '../../common/errors/app.exception.js';
import type { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import type { StrategyFilesService } from './strategy-files.service.js';
import { StrategyConfigValidator } from './strategy-config.validator.js';

const SOURCE = 'class MaCross(IStrategy):\n    pass\n';
const files = {
  read: (p: string) =>
    p === 'ma.py' ? Promise.resolve(SOURCE) : Promise.reject(new AppException('STRATEGY_FILE_NOT_FOUND')),
} as unknown as StrategyFilesService;
const exchanges = {
  has: (id: string) => Promise.resolve(['binance', 'okx'].includes(id)),
} as unknown as ExchangeCatalog;
const sut = new StrategyConfigValidator(files, exchanges);
const base = {
  strategy_class: 'MaCross',
  strategy_file: 'ma.py',
  timeframe: '5m',
  pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
};

const failure = async (p: Promise<unknown>) => {
  const e = (await p.catch((err: unknown) => err)) as AppException;
  expect(e).toBeInstanceOf(AppException);
  return e;
};

describe('StrategyConfigValidator', () => {
  it('fills the defaults and hashes the source it runs', async () => {
    const v = await sut.validate(base, null);
    expect(v.config).toMatchObject({
      ...base,
      exchange: 'binance',
      strength_column: 'signal_strength',
      default_strength: 50,
      signal_thresholds: { strong_threshold: 80, medium_threshold: 50, weak_threshold: 20 },
    });
    expect(v.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names every missing required field at once', async () => {
    const e = await failure(sut.validate({}, null));
    expect(e.code).toBe('VALIDATION_ERROR');
    expect((e.details as { field: string }[]).map((d) => d.field).sort()).toEqual([
      'config.pair_whitelist',
      'config.strategy_class',
      'config.strategy_file',
      'config.timeframe',
    ]);
  });

  it('uploaded source stands in for strategy_file', async () => {
    const { strategy_file: _ignored, ...noFile } = base;
    await expect(sut.validate(noFile, SOURCE)).resolves.toBeDefined();
  });

  it.each([
    [{ strong_threshold: 80, medium_threshold: 80, weak_threshold: 20 }],
    [{ strong_threshold: 50, medium_threshold: 60, weak_threshold: 20 }],
    [{ strong_threshold: 80, medium_threshold: 50, weak_threshold: 50 }],
  ])('thresholds must be strictly strong > medium > weak: %j', async (t) => {
    const e = await failure(sut.validate({ ...base, signal_thresholds: t }, null));
    expect(e.details).toEqual([{ field: 'config.signal_thresholds', message: expect.any(String) }]);
  });

  it('mixed quote currencies are refused with their own code', async () => {
    const e = await failure(sut.validate({ ...base, pair_whitelist: ['BTC/USDT', 'ETH/BTC'] }, null));
    expect(e.code).toBe('MIXED_QUOTE_CURRENCIES');
    expect(e.details).toEqual({ quotes: ['USDT', 'BTC'] });
  });

  it('an exchange ccxt does not know is a field error', async () => {
    const e = await failure(sut.validate({ ...base, exchange: 'nasdaq' }, null));
    expect(e.details).toEqual([{ field: 'config.exchange', message: 'unknown exchange nasdaq' }]);
  });

  it('the class must be defined in the file or source it runs', async () => {
    const e = await failure(sut.validate({ ...base, strategy_class: 'Other' }, null));
    expect(e.code).toBe('STRATEGY_CLASS_NOT_FOUND');
    expect(e.details).toEqual({ strategy_class: 'Other', defined: ['MaCross'] });
    expect((await failure(sut.validate({ ...base, strategy_file: 'gone.py' }, null))).code).toBe(
      'STRATEGY_FILE_NOT_FOUND',
    );
  });
});
