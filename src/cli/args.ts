import { InvalidArgumentError } from 'commander';

/**
 * An expected failure (unknown ID, refused action): main prints its message on one line
 * and exits 1, with no stack trace.
 */
export class CliError extends Error {}

// Row IDs are PostgreSQL integer columns; anything larger would fail inside the query
// with an "out of range" message that names no argument.
const MAX_ID = 2_147_483_647;

/** Parser for an ID argument or option; commander names the argument in its error. */
export function parseId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID) {
    throw new InvalidArgumentError('Expected a whole number ID of 1 or more.');
  }
  return Number(value);
}

export function parseOnOff(value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'on' || v === 'true' || v === 'yes') return true;
  if (v === 'off' || v === 'false' || v === 'no') return false;
  throw new InvalidArgumentError('Expected on or off.');
}

export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000) {
    throw new InvalidArgumentError('Expected a whole number from 1 to 100000.');
  }
  return Number(value);
}

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('Expected a port number from 0 to 65535.');
  return Number(value);
}

export function parseSince(value: string): Date {
  // Date.parse accepts "1" or "March"; insist on something that starts like an ISO date.
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('Expected an ISO date or date-time, e.g. 2026-09-01 or 2026-09-01T09:00:00Z.');
  }
  return at;
}

export function parseName(value: string): string {
  const name = value.trim();
  if (name === '') throw new InvalidArgumentError('Must not be empty.');
  return name;
}
