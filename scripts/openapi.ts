/**
 * Writes the OpenAPI document the app serves to src/contract/openapi.json, the committed
 * copy that clients and the SDK read. With --check it writes nothing and fails when the
 * committed copy differs from what the app would serve (CI runs it that way).
 *
 * Usage: tsx scripts/openapi.ts [--check]
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { openDatabase } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { packagePath } from '../src/server/paths.js';

const TARGET = packagePath('src/contract/openapi.json');

/** The document as the app builds it, pretty-printed with a trailing newline. */
async function render(): Promise<string> {
  const db = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(db);
    const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SEED_DEMO: 'false' });
    const app = await buildApp({ db, config, logger: false });
    try {
      return `${JSON.stringify(app.swagger(), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`openapi: unknown argument(s): ${unknown.join(' ')} (usage: tsx scripts/openapi.ts [--check])`);
    return 2;
  }
  const check = argv.includes('--check');
  const wanted = await render();
  const name = relative(packagePath(), TARGET);
  const current = readOrNull(TARGET);
  if (check) {
    if (current === wanted) {
      console.log(`${name} is up to date.`);
      return 0;
    }
    console.error(current === null ? `${name} is missing: run npm run openapi` : `${name} is stale: run npm run openapi`);
    return 1;
  }
  if (current === wanted) {
    console.log(`${name} unchanged.`);
    return 0;
  }
  mkdirSync(dirname(TARGET), { recursive: true });
  writeFileSync(TARGET, wanted);
  console.log(`wrote ${name} (${Object.keys((JSON.parse(wanted) as { paths?: object }).paths ?? {}).length} paths)`);
  return 0;
}

// Exit explicitly: a stray handle left by a plugin must not keep CI waiting.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('openapi: failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
