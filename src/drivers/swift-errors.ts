/** Errors of the swift driver that are not one of the shared named errors (src/errors.ts). */
import { ObjectStorageError } from '../errors';
import type { HttpResponse } from './swift-http';

/** Swift answered with a status the driver does not expect for this request. Never holds the token. */
export class SwiftRequestError extends ObjectStorageError {
  readonly status: number;

  constructor(what: string, where: string, res: HttpResponse) {
    const text = res.body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
    super(`Swift ${what} at ${where} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
    this.status = res.status;
  }
}
