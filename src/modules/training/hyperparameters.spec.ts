import { describe, expect, it } from '@jest/globals';
import { AppException } from '../../common/errors/app.exception.js';
import { validateHyperparameters } from './hyperparameters.js';

const fields = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return ((err as AppException).details as { field: string }[]).map((d) => d.field);
  }
  return [];
};

describe('validateHyperparameters', () => {
  it('accepts epochs and the options of the chosen spaces', () => {
    expect(validateHyperparameters({ epochs: 20, early_stop: 5 }, ['buy'])).toEqual({
      epochs: 20,
      early_stop: 5,
    });
    expect(validateHyperparameters({ epochs: 1, enable_protections: true }, ['protection'])).toMatchObject({
      enable_protections: true,
    });
  });

  it('refuses unknown keys, bad values, a missing epochs and options of spaces not chosen', () => {
    expect(fields(() => validateHyperparameters({ epochs: 20, learning_rate: 0.1 }, ['buy']))).toEqual([
      'hyperparameters.learning_rate',
    ]);
    expect(fields(() => validateHyperparameters({ epochs: 0 }, ['buy']))).toEqual(['hyperparameters.epochs']);
    expect(fields(() => validateHyperparameters({}, ['buy']))).toEqual(['hyperparameters.epochs']);
    expect(fields(() => validateHyperparameters({ epochs: 5, enable_protections: true }, ['buy']))).toEqual([
      'hyperparameters.enable_protections',
    ]);
  });
});
