import { Type } from 'typebox';

/**
 * Every kind of record the audit trail (and so the change feed) names. The audit writer
 * and the record specs take only these, so a new kind of record fails to compile until it
 * is listed here, and the operator's `audit --entity` and the event documentation follow.
 */
export const AuditEntities = [
  'organisation',
  'classroom',
  'placement',
  'user',
  'keychain',
  'employer_placement',
  'standard',
  'unit',
  'standard_unit',
  'organisation_standard',
  'framework_template',
  'learning_aim_status',
  'learning_aim',
  'unit_summary',
  'assignment',
  'review',
  'visit',
  'visit_type',
  'plan',
  'timesheet_entry',
  'provider',
] as const;
export type AuditEntity = (typeof AuditEntities)[number];

export const AuditEntity = Type.Unsafe<AuditEntity>(
  Type.Union(
    AuditEntities.map((e) => Type.Literal(e)),
    {
      description: 'A kind of audited record',
    },
  ),
);
