import { ErrorCodes, type ErrorName } from '../../contract/errors.js';

export interface FieldIssue {
  field: string;
  message: string;
  /** Which error this field contributes; a plain malformed field is INVALID_FIELD. */
  error: ErrorName;
}

/** The one error type the domain throws; the HTTP error handler maps it through ErrorCodes. */
export class AppError extends Error {
  constructor(
    readonly error: ErrorName,
    message: string = ErrorCodes[error].text,
    readonly issues: FieldIssue[] = [],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** One 400 that names every issue; its code is the first issue's. */
  static invalid(issues: FieldIssue[]): AppError {
    const first = issues[0];
    if (!first) return new AppError('INVALID_FIELD');
    const message = issues.length === 1 ? `${first.field} ${first.message}` : `${issues.length} fields are invalid: ${issues.map((i) => i.field).join(', ')}`;
    return new AppError(first.error, message, issues);
  }

  /** No such record; the operator's calls may say which (a customer's never do: they could not tell). */
  static notFound(message?: string): AppError {
    return new AppError('NOT_FOUND', message);
  }
}

export const issue = (field: string, message: string, error: ErrorName = 'INVALID_FIELD'): FieldIssue => ({ field, message, error });
