import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type ErrorBodyDto } from './error-body';

/** Node's parser error codes that are not the client's malformed request but its slowness or size. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

/**
 * Requests Node's HTTP parser refuses before any middleware runs — a NUL or other control
 * character in a header value, a malformed request line, headers past the size limit — are
 * answered in the one error shape too (Node's default is a bare status line), then the
 * connection is closed, as HTTP requires after a message that could not be framed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
    const requestId = randomUUID();
    const body: ErrorBodyDto = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message:
        status === 431
          ? 'The request headers are too large'
          : status === 408
            ? 'The request took too long to arrive'
            : 'The request is malformed (request line or headers)',
      requestId,
    };
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${json}`,
    );
  });
}
