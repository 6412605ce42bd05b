/**
 * How the API validates a body, in one place: the validator options the app gives Fastify,
 * and the same handling (the compat layer's normalising, then the validator) as a function,
 * for operator paths that take many bodies at once (users.bulkImport) and must judge each
 * exactly as POST /User would.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from 'typebox';
import type { FieldIssue } from '../domain/app-error.js';
import { CANONICAL_DATE, normaliseBody } from './compat.js';
import { ajvIssues } from './errors.js';

/** strictNumbers: NaN and Infinity (and the strings that coerce to them) are not numbers. */
export const VALIDATOR_OPTIONS = { allErrors: true, coerceTypes: true, removeAdditional: true, useDefaults: true, strictNumbers: true } as const;

/** The compat layer has already rewritten every readable date to this canonical form. */
export const addLenientDate = (ajv: { addFormat(name: string, re: RegExp): unknown }): unknown => ajv.addFormat('lenient-date', CANONICAL_DATE);

let shared: Ajv | undefined;
function validator(): Ajv {
  if (!shared) {
    // Fastify's own defaults under the options above, with the formats plugin it adds.
    shared = new Ajv({ ...VALIDATOR_OPTIONS, addUsedSchema: false });
    (addFormats as unknown as (ajv: Ajv) => void)(shared);
    addLenientDate(shared);
  }
  return shared;
}

export interface CheckedBody<T> {
  value: T;
  issues: FieldIssue[];
}

/**
 * A checker for one body schema: keys matched case-insensitively, empty values dropped,
 * scalars coerced and dates made canonical (compat.ts), then validated with every problem
 * named per field, as a route with `attachValidation` hands them to its service.
 */
export function bodyChecker<T = Record<string, unknown>>(schema: TSchema): (raw: unknown) => CheckedBody<T> {
  const validate: ValidateFunction = validator().compile(schema);
  return (raw) => {
    const value = normaliseBody(raw, schema as never);
    const ok = validate(value);
    return { value: value as T, issues: ok ? [] : ajvIssues((validate.errors ?? []) as never) };
  };
}
