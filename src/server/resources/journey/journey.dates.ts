import { issue, type FieldIssue } from '../../domain/app-error.js';

/** An operator's date (ISO date or date-time; a plain date is midnight UTC), or an issue naming the field. */
export function operatorDate(issues: FieldIssue[], field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
  const parsed = new Date(plain);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed.getTime())) {
    issues.push(issue(field, 'must be an ISO 8601 date or date-time'));
    return undefined;
  }
  return parsed.toISOString();
}
