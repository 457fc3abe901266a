import { applyDecorators, HttpStatus, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate, IsDefined, MaxDate, MinDate, ValidateIf } from 'class-validator';
import { DetailedHttpException } from './detailed-http.exception';
import { type ErrorDetailDto } from './error-body';

/** A 400 that carries per-field details for the error body. */
export class RequestValidationException extends DetailedHttpException {
  constructor(details: ErrorDetailDto[]) {
    super(HttpStatus.BAD_REQUEST, 'Validation failed', details);
  }
}

function toDetails(errors: ValidationError[], parent = ''): ErrorDetailDto[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toDetails(e.children ?? [], field)];
  });
}

/** Unknown properties are rejected (mass assignment), types are transformed, values never echoed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationException(toDetails(errors)),
  });
}

/** ISO 8601 as in RFC 3339: a date, optionally with a time and an offset (Z when omitted). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
/** Timestamps Folio stores and compares: years 1–9999 (Postgres' own range is wider, JavaScript's narrower in places). */
const MIN_TIMESTAMP = new Date('0001-01-01T00:00:00Z');
const MAX_TIMESTAMP = new Date('9999-12-31T23:59:59.999Z');

/**
 * A date-time field (body or query): an RFC 3339 string within years 1–9999, turned into a Date.
 * Anything else — another format, a number, a year Postgres cannot store — is a 400 naming the field.
 */
export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      if (typeof value !== 'string' || !ISO_DATE_TIME.test(value.trim())) return value;
      const date = new Date(value.trim());
      return Number.isNaN(date.getTime()) ? value : date;
    }),
    IsDate({ message: ({ property }) => `${property} must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z` }),
    MinDate(MIN_TIMESTAMP, { message: ({ property }) => `${property} must be in the years 1 to 9999` }),
    MaxDate(MAX_TIMESTAMP, { message: ({ property }) => `${property} must be in the years 1 to 9999` }),
  );
}

/**
 * A field of a PATCH body, with JSON merge-patch semantics (RFC 7396): left out, it is left
 * unchanged (the field's other validators do not run); `null` clears a `nullable` field and is
 * refused for a required one.
 */
export function PatchField(options: { nullable: boolean }): PropertyDecorator {
  return options.nullable
    ? ValidateIf((_object, value) => value !== undefined && value !== null)
    : applyDecorators(
        ValidateIf((_object, value) => value !== undefined),
        IsDefined({
          message: ({ property }) => `${property} cannot be null (it is required); leave it out to keep it`,
        }),
      );
}

/** The fields a PATCH body actually carries: what to change, nothing else. */
export function patchOf<T extends object, K extends keyof T>(dto: T, fields: readonly K[]): Partial<Pick<T, K>> {
  const changes: Partial<Pick<T, K>> = {};
  for (const field of fields) if (Object.hasOwn(dto, field) && dto[field] !== undefined) changes[field] = dto[field];
  return changes;
}
