import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiApp } from './types.js';
import { ErrorCodes } from '../../contract/errors.js';
import { AppError, issue, type FieldIssue } from '../domain/app-error.js';
import { declaredCodes } from './contract.js';
import { DatabaseUnavailable } from '../db/client.js';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describe(e: AjvError): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${String(e.params?.type ?? 'of another type')
        .replace('integer', 'a whole number')
        .replace('boolean', 'true or false')}`;
    case 'format':
      return e.params?.format === 'lenient-date' ? 'must be an ISO 8601 date' : `must be a ${String(e.params?.format)}`;
    case 'minLength':
      return 'must not be empty';
    default:
      return e.message ?? 'is invalid';
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

/**
 * Schema problems left on a request by `attachValidation`, for services that report them with
 * their own. A service must not use a field named here (it may be a decimal ID, an over-long
 * name): it checks `issues` before reading one, and writes nothing while there are any.
 */
export function schemaIssues(request: FastifyRequest): FieldIssue[] {
  const v = request.validationError as (Error & { validation?: AjvError[] }) | undefined;
  return v?.validation ? ajvIssues(v.validation) : [];
}

/** Told about an answer whose code its operation does not declare (tests fail on it). */
export type UndeclaredErrorListener = (problem: string) => void;

export function sendError(reply: FastifyReply, err: AppError, undeclared?: UndeclaredErrorListener): FastifyReply {
  const def = ErrorCodes[err.error];
  const body: Record<string, unknown> = { code: def.code, message: err.message };
  if (err.issues.length > 0) {
    body.errors = err.issues.map((i) => ({ field: i.field, message: i.message, code: ErrorCodes[i.error].code }));
  }
  const declared = undeclared && declaredCodes(reply.request);
  if (declared) {
    const answered = new Set([def.code, ...err.issues.map((i) => ErrorCodes[i.error].code)]);
    const missing = [...answered].filter((code) => !declared.includes(code));
    if (missing.length > 0) {
      const schema = reply.request.routeOptions.schema as { operationId?: string };
      undeclared(
        `${schema.operationId} (${reply.request.method} ${reply.request.routeOptions.url}) answered code ${missing.join(', ')}, ` +
          `which it does not declare: add the code's name to the route's schema.errors`,
      );
    }
  }
  reply.headers(err.headers);
  return reply.code(def.status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * Errors Fastify raises before routing (a path that is not valid percent-encoding, such as
 * `%C0%AF`): a path that cannot be read names no record, so 404 in the usual body.
 */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void sendError(reply, error.code === 'FST_ERR_BAD_URL' ? AppError.notFound() : new AppError('INVALID_BODY', 'The request could not be read.'));
}

/** Every error leaves the server through here, shaped by one table. */
export function registerErrorHandler(app: ApiApp, undeclared?: UndeclaredErrorListener): void {
  const send = (reply: FastifyReply, err: AppError) => sendError(reply, err, undeclared);
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
    if (error instanceof AppError) return send(reply, error);
    if (error.validation) {
      if (error.validationContext === 'params') {
        const pageProblem = error.validation.some((e) => /^\/(page|size)/.test(e.instancePath ?? ''));
        return send(reply, pageProblem ? new AppError('INVALID_PAGE', 'pageNumber and pageSize must be whole numbers') : AppError.notFound());
      }
      return send(reply, AppError.invalid(ajvIssues(error.validation)));
    }
    if (error.statusCode === 413) return send(reply, new AppError('INVALID_BODY', 'The body is too large.'));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, new AppError('INVALID_BODY', 'The request could not be read.'));
    }
    if (error instanceof DatabaseUnavailable) {
      request.log.warn({ err: error.cause }, `request failed: ${error.message}`);
      return send(reply, new AppError('DATABASE_UNAVAILABLE', error.message, [], { 'Retry-After': '5' }));
    }
    request.log.error({ err: error }, 'request failed');
    return send(reply, new AppError('INTERNAL'));
  });
  // `attachValidation` lets a route report body problems with its own; a bad path parameter
  // or query, though, means the route cannot run at all (the body was not even validated).
  app.addHook('preHandler', async (request) => {
    const v = request.validationError as (FastifyError & { validation?: AjvError[]; validationContext?: string }) | undefined;
    if (v?.validation && v.validationContext !== 'body') throw v;
  });
}
