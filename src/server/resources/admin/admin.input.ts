import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** TypeBox's findings on an operator input, one per field, in the words the API uses. */
export function ajvLikeIssues(schema: TSchema, value: unknown): { field: string; message: string }[] {
  const byField = new Map<string, string>();
  for (const e of Value.Errors(schema, value)) {
    const params = (e as { params?: { requiredProperties?: string[] } }).params;
    const missing = params?.requiredProperties;
    const field = missing?.length ? missing.join(', ') : e.instancePath.replace(/^\//, '').split('/')[0] || 'input';
    if (!byField.has(field)) byField.set(field, missing?.length ? 'is required' : e.message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}
