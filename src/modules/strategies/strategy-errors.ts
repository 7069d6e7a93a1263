import { QueryFailedError } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';

/** A duplicate (owner, name) from the database as the API's 409, anything else unchanged. */
export function nameTaken(err: unknown, name: string): unknown {
  const driver =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
  return driver?.code === '23505' && driver.constraint === 'idx_strategies_owner_name'
    ? new AppException('STRATEGY_NAME_TAKEN', { name })
    : err;
}
