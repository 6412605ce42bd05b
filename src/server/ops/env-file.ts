import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory, if there is one, into `env`. A variable already
 * set in the real environment wins over the file, so a process manager or a one-off
 * `PORT=8080 npm start` can always override what the file says. Returns the file read and
 * the variables taken from it (their names only: values may be secrets).
 */
export function loadEnvFile(file = resolve('.env'), env: NodeJS.ProcessEnv = process.env): { file: string; keys: string[] } | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  const keys: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (env[key] !== undefined) continue;
    env[key] = value;
    keys.push(key);
  }
  return { file, keys };
}
