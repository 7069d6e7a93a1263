import { ValidateIf } from 'class-validator';

/**
 * Optional, but never null. class-validator's IsOptional lets null through; for a field with no
 * null meaning (a NOT NULL column, a config key) null must be a 400, not a 500 from the database.
 */
export const OptionalNotNull = () => ValidateIf((_: object, v: unknown) => v !== undefined);
