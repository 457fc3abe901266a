import { HttpException } from '@nestjs/common';
import { type ErrorDetailDto } from './error-body';

/** An HTTP error whose body lists details (which field, which component) beside the message. */
export class DetailedHttpException extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly details: ErrorDetailDto[],
  ) {
    super(message, status);
  }
}
