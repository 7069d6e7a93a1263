import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** The date must be later than the sibling property `other` (when both are present). */
export function IsAfter(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAfter',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      options: { message: `$property must be after ${other}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const before = (args.object as Record<string, unknown>)[other];
          if (!(value instanceof Date) || !(before instanceof Date)) return true;
          return value.getTime() > before.getTime();
        },
      },
    });
}
