/**
 * Bulk loading of a customer's programme catalogue (standards with their units, and framework
 * templates) from a JSON or CSV file, in one transaction. Loading the same file again changes
 * nothing: standards are found again by reference and version, units by ID, templates by title.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { parse } from 'csv-parse/sync';
import type { Database } from '../../db/client.js';
import { AppError, issue } from '../../domain/app-error.js';
import { ajvLikeIssues } from '../admin/admin.input.js';
import { findCustomerRow } from './catalogue.repository.js';
import { findTemplateByTitle } from '../framework-templates/framework-templates.repository.js';
import { createTemplate } from '../framework-templates/framework-templates.service.js';
import { offerStandard, upsertStandard } from '../standards/standards.service.js';
import { saveUnit } from '../units/units.service.js';

const Text = (max = 300) => Type.String({ minLength: 1, maxLength: max });
const UnitEntry = Type.Object({
  id: Text(100),
  title: Text(),
  ndaqCode: Type.Optional(Type.String({ maxLength: 100 })),
  display: Type.Optional(Type.Integer()),
});
const StandardEntry = Type.Object({
  reference: Text(50),
  title: Text(),
  version: Type.Optional(Type.String({ maxLength: 50 })),
  level: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
  otjHours: Type.Optional(Type.Number({ minimum: 0 })),
  units: Type.Optional(Type.Array(UnitEntry)),
});
const TemplateEntry = Type.Object({
  title: Text(),
  organisationId: Type.Optional(Type.Integer({ minimum: 1 })),
  items: Type.Array(
    Type.Object({
      reference: Text(50),
      version: Type.Optional(Type.String({ maxLength: 50 })),
      unitId: Type.Optional(Text(100)),
      weighting: Type.Optional(Type.Number()),
      startOffsetDays: Type.Optional(Type.Integer()),
      endOffsetDays: Type.Optional(Type.Integer()),
    }),
    { minItems: 1 },
  ),
});
export const CatalogueFile = Type.Object({
  standards: Type.Array(StandardEntry),
  templates: Type.Optional(Type.Array(TemplateEntry)),
});
export type CatalogueFile = Static<typeof CatalogueFile>;

export interface CatalogueResult {
  standards: { created: number; existing: number };
  units: { created: number; existing: number };
  templates: { created: number; existing: number };
  offered: number;
}

/** CSV columns, one row per unit (a row without unit_id lists a standard alone). */
export const CSV_COLUMNS = [
  'standard_reference',
  'standard_title',
  'standard_version',
  'standard_level',
  'otj_hours',
  'unit_id',
  'unit_title',
  'ndaq_code',
  'display',
];

export function parseCatalogue(format: 'json' | 'csv', content: string): CatalogueFile {
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(content);
    } catch (err) {
      throw AppError.invalid([issue('file', `is not valid JSON: ${(err as Error).message}`)]);
    }
  } else {
    data = fromCsv(content);
  }
  const problems = ajvLikeIssuesDeep(data);
  if (problems.length > 0) throw AppError.invalid(problems.map((p) => issue(p.field, p.message)));
  return data as CatalogueFile;
}

function fromCsv(content: string): CatalogueFile {
  let rows: Record<string, string>[];
  try {
    rows = parse(content, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw AppError.invalid([issue('file', `is not valid CSV: ${(err as Error).message}`)]);
  }
  const missing = ['standard_reference', 'standard_title'].filter((c) => rows.length > 0 && !(c in rows[0]!));
  if (missing.length > 0) throw AppError.invalid([issue('file', `needs the columns ${missing.join(', ')} (all: ${CSV_COLUMNS.join(', ')})`)]);
  const byKey = new Map<string, CatalogueFile['standards'][number]>();
  const number = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  for (const row of rows) {
    const key = `${row.standard_reference}|${row.standard_version ?? ''}`;
    let standard = byKey.get(key);
    if (!standard) {
      standard = {
        reference: row.standard_reference!,
        title: row.standard_title!,
        units: [],
        ...(row.standard_version ? { version: row.standard_version } : {}),
        ...(number(row.standard_level) !== undefined ? { level: number(row.standard_level)! } : {}),
        ...(number(row.otj_hours) !== undefined ? { otjHours: number(row.otj_hours)! } : {}),
      };
      byKey.set(key, standard);
    }
    if (row.unit_id) {
      standard.units!.push({
        id: row.unit_id,
        title: row.unit_title ?? '',
        ...(row.ndaq_code ? { ndaqCode: row.ndaq_code } : {}),
        ...(number(row.display) !== undefined ? { display: number(row.display)! } : {}),
      });
    }
  }
  return { standards: [...byKey.values()] };
}

/** Every problem with its path (standards/2/units/0/title), so a big file can be fixed in one go. */
function ajvLikeIssuesDeep(data: unknown): { field: string; message: string }[] {
  if (Value.Check(CatalogueFile, data)) return [];
  const out: { field: string; message: string }[] = [];
  for (const e of Value.Errors(CatalogueFile, data)) {
    const field = e.instancePath.replace(/^\//, '') || 'file';
    if (!out.some((o) => o.field === field)) out.push({ field, message: e.message });
    if (out.length >= 50) break;
  }
  return out.length > 0 ? out : ajvLikeIssues(CatalogueFile, data);
}

export class CatalogueService {
  constructor(private readonly db: Database) {}

  /** Loads the file for the customer; `organisationIds` are offered every standard in it. */
  async load(customerId: number, format: 'json' | 'csv', content: string, organisationIds: number[] = [], actor = 'operator'): Promise<CatalogueResult> {
    const file = parseCatalogue(format, content);
    return this.db.transaction(async (tx) => {
      if (!(await findCustomerRow(tx, customerId))) throw AppError.notFound(`No customer with ID ${customerId} (see: learnfile customer list).`);
      const result: CatalogueResult = {
        standards: { created: 0, existing: 0 },
        units: { created: 0, existing: 0 },
        templates: { created: 0, existing: 0 },
        offered: 0,
      };
      const ids = new Map<string, number>();
      for (const s of file.standards) {
        const { row, created } = await upsertStandard(
          tx,
          customerId,
          {
            title: s.title,
            reference: s.reference,
            version: s.version,
            level: s.level,
            otjHours: s.otjHours,
          },
          actor,
        );
        result.standards[created ? 'created' : 'existing'] += 1;
        ids.set(`${s.reference}|${s.version ?? ''}`, row.ID);
        if (!ids.has(`${s.reference}|`)) ids.set(`${s.reference}|`, row.ID);
        for (const [i, u] of (s.units ?? []).entries()) {
          const made = await saveUnit(
            tx,
            customerId,
            { id: u.id, title: u.title, ndaqCode: u.ndaqCode, display: u.display ?? i + 1, standardIds: [row.ID] },
            actor,
          );
          result.units[made ? 'created' : 'existing'] += 1;
        }
        for (const organisationId of organisationIds) {
          await offerStandard(tx, customerId, organisationId, row.ID, actor);
          result.offered += 1;
        }
      }
      for (const t of file.templates ?? []) {
        const organisationId = t.organisationId ?? null;
        if (await findTemplateByTitle(tx, customerId, organisationId, t.title)) {
          result.templates.existing += 1;
          continue;
        }
        const items = t.items.map((item) => {
          const standardId = ids.get(`${item.reference}|${item.version ?? ''}`);
          if (standardId === undefined)
            throw AppError.invalid([issue('templates', `template "${t.title}" names standard ${item.reference}, which is not in the file`)]);
          return { standardId, unitId: item.unitId, weighting: item.weighting, startOffsetDays: item.startOffsetDays, endOffsetDays: item.endOffsetDays };
        });
        await createTemplate(tx, customerId, organisationId, t.title, items, actor);
        result.templates.created += 1;
      }
      return result;
    });
  }
}
