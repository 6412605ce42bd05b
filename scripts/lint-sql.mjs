#!/usr/bin/env node
/**
 * The one layer rule an import graph cannot see: SQL lives in repositories (and the database
 * plumbing in src/server/db/). Fails, naming each line, when a statement keyword appears in
 * a string anywhere else under src/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const SQL = /['"`][^'"`]*\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|TRUNCATE\s)/;
const ALLOWED = [/\.repository\.ts$/, /^src\/server\/db\//];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const found = [];
for (const file of files(join(ROOT, 'src'))) {
  const name = relative(ROOT, file);
  if (ALLOWED.some((re) => re.test(name))) continue;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (SQL.test(line)) found.push(`${name}:${i + 1}: ${line.trim()}`);
    });
}
if (found.length > 0) {
  console.error(`SQL outside a repository (move it into the resource's *.repository.ts):\n${found.join('\n')}`);
  process.exit(1);
}
console.log('lint-sql: no SQL outside repositories');
