import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is one process's database: a second process opening the same directory would
 * corrupt it. The server leaves its pid here; other commands check before opening. Once
 * listening, the server adds its URL and a fresh operator key, so that the CLI on the same
 * machine can ask the running server instead (whoever can read the data directory can read
 * the database anyway; the file is private to its owner).
 */
const LOCK_FILE = 'learnfile.pid';

export interface Holder {
  pid: number;
  url?: string;
  operatorKey?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Another live process holding the directory, with its URL and key once it listens. */
export function lockHolder(dataDir: string): Holder | undefined {
  const file = join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  const [pidLine, url, operatorKey] = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim());
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return undefined;
  return { pid, ...(url ? { url } : {}), ...(operatorKey ? { operatorKey } : {}) };
}

export class DataDirBusy extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder,
  ) {
    super(
      `the embedded database in ${dataDir} is open in another learnfile process (pid ${holder.pid}); stop it first, or run both on PostgreSQL with DATABASE_URL`,
    );
  }
}

function write(file: string, lines: string[]): void {
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Takes the directory for this process; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) throw new DataDirBusy(dataDir, holder);
  const file = join(dataDir, LOCK_FILE);
  write(file, [String(process.pid)]);
  return () => {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n')[0]?.trim() === String(process.pid)) rmSync(file);
  };
}

/** Tells other processes on this machine where the holder listens and how to prove they are the operator. */
export function advertise(dataDir: string, url: string, operatorKey: string): void {
  write(join(dataDir, LOCK_FILE), [String(process.pid), url, operatorKey]);
}
