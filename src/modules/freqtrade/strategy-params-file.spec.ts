import { describe, expect, it } from '@jest/globals';
import { paramsFileContent } from './strategy-params-file.js';

describe('paramsFileContent', () => {
  it('writes freqtrade’s sections of a version’s parameters as its parameter file', () => {
    const c = paramsFileContent('MeanRevert', {
      buy: { buy_drop: 11 },
      stoploss: { stoploss: -0.1 },
      note: 'x',
    });
    expect(c).toMatchObject({
      strategy_name: 'MeanRevert',
      params: { buy: { buy_drop: 11 }, stoploss: { stoploss: -0.1 } },
      ft_stratparam_v: 1,
    });
    expect((c!.params as Record<string, unknown>).note).toBeUndefined();
  });

  it('writes none for free-form parameters that freqtrade would not read', () => {
    expect(paramsFileContent('X', { buy_rsi: 30 })).toBeNull();
    expect(paramsFileContent('X', {})).toBeNull();
  });
});
