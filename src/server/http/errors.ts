import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiApp } from './types.js';
import { ErrorCodes } from '../../contract/errors.js';
import { AppError, issue, type FieldIssue } from '../domain/app-error.js';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describe(e: AjvError): string {
  switch (e.keyword) {
    case 'required': return 'is required';
    case 'type': return `must be ${String(e.params?.type ?? 'of another type').replace('integer', 'a whole number').replace('boolean', 'true or false')}`;
    case 'format': return e.params?.format === 'lenient-date' ? 'must be an ISO 8601 date' : `must be a ${String(e.params?.format)}`;
    case 'minLength': return 'must not be empty';
    default: return e.message ?? 'is invalid';
  }
}

/** Ajv's errors as field issues, one per field (the first problem with each field wins). */
export function ajvIssues(errors: AjvError[]): FieldIssue[] {
  const byField = new Map<string, FieldIssue>();
  for (const e of errors) {
    const path = (e.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
    const field = e.keyword === 'required' ? String(e.params?.missingProperty ?? path) : path || 'body';
    if (!byField.has(field)) byField.set(field, issue(field, describe(e)));
  }
  return [...byField.values()];
}

/** Schema problems left on a request by `attachValidation`, for services that report them with their own. */
export function schemaIssues(request: FastifyRequest): FieldIssue[] {
  const v = request.validationError as (Error & { validation?: AjvError[] }) | undefined;
  return v?.validation ? ajvIssues(v.validation) : [];
}

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  const def = ErrorCodes[err.error];
  const body: Record<string, unknown> = { code: def.code, message: err.message };
  if (err.issues.length > 0) {
    body.errors = err.issues.map((i) => ({ field: i.field, message: i.message, code: ErrorCodes[i.error].code }));
  }
  reply.headers(err.headers);
  return reply.code(def.status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Every error leaves the server through here, shaped by one table. */
export function registerErrorHandler(app: ApiApp): void {
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
    if (error instanceof AppError) return sendError(reply, error);
    if (error.validation) {
      if (error.validationContext === 'params') {
        const pageProblem = error.validation.some((e) => /^\/(page|size)/.test(e.instancePath ?? ''));
        return sendError(reply, pageProblem ? new AppError('INVALID_PAGE', 'pageNumber and pageSize must be whole numbers') : AppError.notFound());
      }
      return sendError(reply, AppError.invalid(ajvIssues(error.validation)));
    }
    if (error.statusCode === 413) return sendError(reply, new AppError('INVALID_BODY', 'The body is too large.'));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, new AppError('INVALID_BODY', 'The request could not be read.'));
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, new AppError('INTERNAL'));
  });
}
