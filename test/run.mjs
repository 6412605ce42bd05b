#!/usr/bin/env node
/**
 * The test runner behind `npm test`: node's own runner (node:test), with the test files run
 * a few to a process instead of one process each.
 *
 * Why: a test file's fixed cost is about 2.5 CPU-seconds of TypeScript imports and 2.5 more
 * to start an embedded database, paid once per process. Files that share a process import
 * once and reuse its databases (test/helpers.ts keeps finished PGlite instances, emptied, for
 * the next file), which more than halves the suite's CPU time. Processes still run two at a
 * time, one per core.
 *
 * Files are dealt into groups by size (a rough measure of their work), largest first, each to
 * the lightest group. A file that measures its own process (memory, latency) or starts
 * servers says so with the line `// test-runner: own-process` and gets a process to itself.
 * Within a process the files' tests run one after another, as within one file.
 *
 * Usage:
 *   node test/run.mjs                          every file under test/unit and test/integration
 *   node test/run.mjs test/integration/wire.test.ts test/unit/compat.test.ts
 *   node test/run.mjs --test-name-pattern=ULN  any --flag is passed to node --test
 * Environment: TEST_GROUPS (processes to deal the shared files into; default 6),
 * TEST_CONCURRENCY (processes at once; default 2), DATABASE_URL (run on PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const named = args.filter((a) => !a.startsWith('--'));

const listed = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(root, dir, f));
const files = named.length > 0 ? named.map((f) => resolve(f)) : [...listed('test/unit'), ...listed('test/integration')];

const OWN_PROCESS = /^\/\/ test-runner: own-process\b/m;
const alone = [];
const shared = [];
for (const file of files) (OWN_PROCESS.test(readFileSync(file, 'utf8')) ? alone : shared).push(file);

const groupCount = Math.max(1, Math.min(shared.length, Number(process.env.TEST_GROUPS ?? 6)));
const groups = Array.from({ length: groupCount }, () => ({ size: 0, files: [] }));
for (const file of shared.map((f) => ({ f, size: statSync(f).size })).sort((a, b) => b.size - a.size)) {
  const lightest = groups.reduce((a, b) => (b.size < a.size ? b : a));
  lightest.size += file.size;
  lightest.files.push(file.f);
}

// One entry file per group, importing its test files; node --test runs each entry in its own process.
const dir = mkdtempSync(join(tmpdir(), 'learnfile-test-groups-'));
const entries = groups
  .filter((g) => g.files.length > 0)
  .map((g, i) => {
    const entry = join(dir, `group-${i + 1}.test.mjs`);
    writeFileSync(entry, g.files.map((f) => `import ${JSON.stringify(pathToFileURL(f).href)};\n`).join(''));
    return entry;
  });

const hasReporter = flags.some((f) => f.startsWith('--test-reporter'));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...(hasReporter ? [] : ['--test-reporter=spec']),
    ...flags,
    ...entries,
    ...alone,
  ],
  { cwd: root, stdio: 'inherit' },
);

const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
