import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is one process's database: a second process opening the same directory would
 * corrupt it. The server leaves its pid here; other commands check before opening.
 */
const LOCK_FILE = 'learnfile.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another live process holding the directory, if any. */
export function lockHolder(dataDir: string): number | undefined {
  const file = join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

export class DataDirBusy extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`the embedded database in ${dataDir} is open in another learnfile process (pid ${pid}); stop it first, or run both on PostgreSQL with DATABASE_URL`);
  }
}

/** Takes the directory for this process; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) throw new DataDirBusy(dataDir, holder);
  const file = join(dataDir, LOCK_FILE);
  writeFileSync(file, String(process.pid));
  return () => { if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file); };
}
