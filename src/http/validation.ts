import { HttpStatus, ValidationPipe, type ValidationError } from '@nestjs/common';
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
