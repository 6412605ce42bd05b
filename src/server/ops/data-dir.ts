import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded database holds learners' personal data (NINO, ULN, dates of birth, emails), so
 * its directory is the owner's alone, as PostgreSQL itself insists for its data directories:
 * folders 0700, files 0600.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface Secured {
  created: boolean;
  /** Paths whose mode was loosened and has been tightened now. */
  tightened: string[];
  /** Paths that are too open and could not be changed (another owner), with the reason. */
  failed: string[];
}

/**
 * Creates the directory owner-only, or tightens an existing one and everything in it. Also
 * sets this process's umask so that every file the database creates from now on is private
 * too (the umask is process-wide: everything learnfile writes is better private anyway).
 */
export function secureDataDir(dir: string): Secured {
  process.umask(0o077);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    chmodSync(dir, DIR_MODE);
    return { created: true, tightened: [], failed: [] };
  }
  const result: Secured = { created: false, tightened: [], failed: [] };
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.mode & 0o077) {
      try {
        chmodSync(path, stat.isDirectory() ? DIR_MODE : FILE_MODE);
        result.tightened.push(path);
      } catch (err) {
        result.failed.push(`${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
  return result;
}

/** Whether the directory already holds a PostgreSQL (PGlite) database. */
export function holdsDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** One line for the start-up log about what secureDataDir did, or undefined when there is nothing to say. */
export function describeSecured(dir: string, s: Secured): { level: 'info' | 'warn'; text: string } | undefined {
  if (s.failed.length > 0) {
    return {
      level: 'warn',
      text: `data directory ${dir}: ${s.failed.length} entries are readable by others and could not be made private: ${s.failed.slice(0, 3).join(', ')}${s.failed.length > 3 ? ', ...' : ''}`,
    };
  }
  if (s.tightened.length > 0) {
    return { level: 'warn', text: `data directory ${dir} was readable by others: made ${s.tightened.length} entries owner-only (folders 0700, files 0600)` };
  }
  if (s.created) return { level: 'info', text: `created data directory ${dir} (owner-only)` };
  return undefined;
}
