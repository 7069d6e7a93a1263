import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

const INT4_MAX = 2_147_483_647;

/** A path id: a positive 32-bit integer (a larger one would overflow the column, a 500 otherwise). */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > INT4_MAX) {
      const field = meta.data ?? 'id';
      throw new AppException('VALIDATION_ERROR', [{ field, message: `${field} must be a positive integer` }]);
    }
    return n;
  }
}
