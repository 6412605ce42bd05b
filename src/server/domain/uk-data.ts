// Validation for UK learner identifiers and ILR code lists, following the ESFA ILR
// specification and HMRC's National Insurance manual. Pure: no I/O, no dependencies.

// The official "ULN not yet known" value; it fails the check digit, so it is allowed by name.
const ULN_PLACEHOLDER = '9999999999';

export function normaliseUln(input: string): string {
  return input.replace(/\s+/g, '');
}

export function ulnProblem(input: string): string | null {
  const uln = normaliseUln(input);
  if (!/^\d{10}$/.test(uln)) return 'must be 10 digits';
  if (uln === ULN_PLACEHOLDER) return null;
  if (uln.startsWith('0')) return 'must not start with 0';
  return ulnCheckDigit(uln.slice(0, 9)) === uln[9] ? null : 'fails the ULN check digit';
}

/**
 * The tenth digit that makes a ULN of these nine digits valid, or null when none does.
 * Weights 10..1 over all ten digits: a valid ULN's weighted sum is 10 mod 11, so the check
 * digit is 10 minus the nine digits' weighted sum, mod 11 (a remainder of 0 would need 10).
 */
export function ulnCheckDigit(nine: string): string | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (10 - i) * Number(nine[i]);
  const digit = (10 - (sum % 11)) % 11;
  return digit === 10 ? null : String(digit);
}

export function normaliseNino(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase();
}

// The suffix is optional because the ILR allows a space in its place when it is unknown,
// and normalising has already removed that space.
const NINO_SHAPE = /^[A-Z]{2}\d{6}[A-D]?$/;
const NINO_ISSUED_PREFIX = /^(?!BG|GB|KN|NK|NT|TN|ZZ)[ABCEGHJ-PRSTW-Z][ABCEGHJ-NPRSTW-Z]/;

export function ninoProblem(input: string): string | null {
  const nino = normaliseNino(input);
  if (!NINO_SHAPE.test(nino)) return 'must be two letters, six digits and a suffix A-D';
  if (!NINO_ISSUED_PREFIX.test(nino)) return 'has a prefix that is never issued';
  return null;
}

export type IlrField = 'L12' | 'L13' | 'L14' | 'L15' | 'L16' | 'PrimaryLLDDCode' | 'SecondaryLLDDCodes';

const ETHNICITY = [...range(31, 47), 98, 99];
const LLDD_CATEGORIES = [...range(4, 17), 93, 94, 95, 96, 97, 98, 99];
// Pre-2013 L16 codes still arrive from older MIS exports.
const OLD_L16 = [1, 2, 10, 11, 19, 20, 90, 97, 98, 99];

interface CodeList {
  description: string;
  accepts(code: string): boolean;
}

const CODE_LISTS: Record<IlrField, CodeList> = {
  L12: numeric('ethnicity', ETHNICITY),
  L13: {
    description: 'sex',
    // Some MIS exports send 1/2 instead of F/M.
    accepts: (code) => ['F', 'M', '1', '2'].includes(code.toUpperCase()),
  },
  L14: numeric('LLDD and health problem', [1, 2, 9]),
  L15: numeric('disability category', LLDD_CATEGORIES),
  L16: numeric('learning difficulty category', [...LLDD_CATEGORIES, ...OLD_L16]),
  PrimaryLLDDCode: numeric('LLDD category', LLDD_CATEGORIES),
  SecondaryLLDDCodes: numeric('LLDD category', LLDD_CATEGORIES),
};

// Clients send codes as strings with or without leading zeros ('04' vs '4'), so compare as numbers.
function numeric(description: string, codes: number[]): CodeList {
  const known = new Set(codes);
  return { description, accepts: (code) => /^\d+$/.test(code) && known.has(Number(code)) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function ilrWarnings(values: Partial<Record<IlrField, string | string[] | null | undefined>>): string[] {
  const warnings: string[] = [];
  for (const field of Object.keys(CODE_LISTS) as IlrField[]) {
    const given = values[field];
    if (given === undefined || given === null) continue;
    const list = CODE_LISTS[field];
    for (const raw of Array.isArray(given) ? given : [given]) {
      // String() because JSON clients may send numbers despite the declared type.
      const code = String(raw ?? '').trim();
      if (code !== '' && !list.accepts(code)) {
        warnings.push(`${field} value "${code}" is not a known ILR ${list.description} code`);
      }
    }
  }
  return warnings;
}
