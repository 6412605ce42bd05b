/** One offending field, as the server lists it in `errors` (an extension of the contract). */
export interface FieldError {
  field: string;
  message: string;
  code?: number;
}

/**
 * Every failure the client reports: an HTTP answer that is not a success, or a network
 * failure that outlasted the retries (then `status` is 0 and `code` undefined).
 *
 * `code` and `message` come from the server's error body `{code, message, errors}`; a server
 * that answers with another shape still gives a status and a message (its body text).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    message: string,
    /** The contract's negative error code, when the body carried one. */
    readonly code: number | undefined,
    /** Every offending field the server named (empty when it named none). */
    readonly errors: FieldError[],
    readonly method: string,
    readonly path: string,
    /** The server's X-Request-ID, to quote when asking its operator. */
    readonly requestId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Reads an error answer into an ApiError (consumes the body). */
  static async from(response: Response, method: string, path: string): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let code: number | undefined;
    let message = text.trim() || `${response.status} ${response.statusText}`.trim();
    let errors: FieldError[] = [];
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === 'object') {
        const b = body as Record<string, unknown>;
        // The contract uses lower-case keys; be forgiving about servers that do not.
        const rawCode = b.code ?? b.Code;
        const rawMessage = b.message ?? b.Message;
        const rawErrors = b.errors ?? b.Errors;
        if (typeof rawCode === 'number') code = rawCode;
        if (typeof rawMessage === 'string' && rawMessage !== '') message = rawMessage;
        if (Array.isArray(rawErrors)) {
          errors = rawErrors
            .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
            .map((e) => ({
              field: String(e.field ?? e.Field ?? ''),
              message: String(e.message ?? e.Message ?? ''),
              ...(typeof (e.code ?? e.Code) === 'number' ? { code: (e.code ?? e.Code) as number } : {}),
            }));
        }
      }
    } catch {
      /* not JSON: the text is the message */
    }
    return new ApiError(response.status, message, code, errors, method, path, response.headers.get('x-request-id') ?? undefined);
  }

  /** "Email: is required; ULN: fails the check digit", or the message when no field is named. */
  describe(): string {
    const fields = this.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    const code = this.code === undefined ? '' : ` (code ${this.code})`;
    return `${this.status === 0 ? 'no answer' : this.status}${code}: ${fields || this.message}`;
  }
}
