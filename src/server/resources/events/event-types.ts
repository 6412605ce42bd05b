import type { AuditEntity } from '../../../contract/audit.js';

/**
 * How an audited change is named as an event: `<record type>.<what happened>`. Every entity
 * the audit trail knows gets events without being listed here; the tables below only rename.
 */

/** Audit actions as past-tense event verbs; an action not listed keeps its own spelling. */
const PAST_TENSE: Record<string, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  archive: 'archived',
  unarchive: 'unarchived',
  verify: 'verified',
};

/** Record types as events spell them, where the audit trail's entity name differs. */
export const RECORD_TYPE_NAMES: Partial<Record<AuditEntity, string>> = {};

/** Whole names for one `entity:action`, where the rule above does not read well. */
export const EVENT_TYPE_OVERRIDES: Record<string, string> = {};

export function recordType(entity: string): string {
  return RECORD_TYPE_NAMES[entity as AuditEntity] ?? entity;
}

export function eventType(entity: string, action: string): string {
  return EVENT_TYPE_OVERRIDES[`${entity}:${action}`] ?? `${recordType(entity)}.${PAST_TENSE[action] ?? action}`;
}

/** Creates and deletes concern the whole record; other events say which fields changed. */
export const namesFields = (action: string): boolean => action !== 'create' && action !== 'delete';

/**
 * A subscription's event types: exact names (`user.updated`), every event of a record type
 * (`user.*`), or everything (`*`).
 */
export const EVENT_PATTERN = /^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$/;

export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
