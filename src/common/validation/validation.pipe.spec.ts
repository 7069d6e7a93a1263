import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { AppException } from '../errors/app.exception.js';
import { createValidationPipe } from './validation.pipe.js';

class Inner {
  @IsInt() @Min(1) n!: number;
}
class Outer {
  @IsString() name!: string;
  @ValidateNested({ each: true }) @Type(() => Inner) items!: Inner[];
}

describe('validation pipe', () => {
  const sut = createValidationPipe();
  const meta = { type: 'body' as const, metatype: Outer };

  it('reports every broken rule with a dotted field path', async () => {
    const err = await sut.transform({ name: 5, items: [{ n: 1 }, { n: 0 }] }, meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    const app = err as AppException;
    expect(app.code).toBe('VALIDATION_ERROR');
    expect(app.details).toEqual(
      expect.arrayContaining([
        { field: 'name', message: expect.stringContaining('string') },
        { field: 'items[1].n', message: expect.stringContaining('1') },
      ]),
    );
  });

  it('rejects unknown properties instead of silently dropping them', async () => {
    const err = (await sut
      .transform({ name: 'a', items: [], extra: 1 }, meta)
      .catch((e: unknown) => e)) as AppException;
    expect(err.details).toEqual([{ field: 'extra', message: 'property extra should not exist' }]);
  });
});
