/**
 * The suite in a few processes instead of one per file. Each shard file imports its share of
 * test/unit and test/integration, so node:test runs those files one after another in one
 * process, sharing what is slow to start (the loaded modules, PGlite instances: see
 * `createTestDb`). `npm test` runs the shards side by side, one per core.
 *
 * Files are dealt out by size, largest first, each to the shard with the least so far, so
 * the shards finish close together; a new test file joins a shard with no list to edit.
 * Run one file on its own as usual: `node --import tsx --test test/integration/x.test.ts`.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);

export const SHARDS = 2;

export function shardFiles(shard: number, shards = SHARDS): URL[] {
  const files = ['unit', 'integration'].flatMap((dir) => readdirSync(new URL(`${dir}/`, ROOT))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => new URL(`${dir}/${f}`, ROOT)));
  const sized = files.map((url) => ({ url, size: statSync(fileURLToPath(url)).size }))
    .sort((a, b) => b.size - a.size || a.url.href.localeCompare(b.url.href));
  const loads = new Array<number>(shards).fill(0);
  const mine: URL[] = [];
  for (const f of sized) {
    const lightest = loads.indexOf(Math.min(...loads));
    loads[lightest]! += f.size;
    if (lightest === shard) mine.push(f.url);
  }
  return mine.sort((a, b) => a.href.localeCompare(b.href));
}

export async function runShard(shard: number): Promise<void> {
  for (const url of shardFiles(shard)) await import(url.href);
}
