/**
 * An error the server answers with its own HTTP status and a one-line `{"error": message}` body, as
 * the Open Inference Protocol's error objects require.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra response headers (Retry-After on 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400: the request is malformed or does not fit the model. */
export const badRequest = (message: string) => new HttpError(400, message);
