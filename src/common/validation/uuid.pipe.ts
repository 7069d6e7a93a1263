import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that must be a UUID (anything else would be a database error, a 500). */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!UUID.test(value)) {
      const field = meta.data ?? 'id';
      throw new AppException('VALIDATION_ERROR', [{ field, message: `${field} must be a UUID` }]);
    }
    return value.toLowerCase();
  }
}
