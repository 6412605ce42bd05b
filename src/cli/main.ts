#!/usr/bin/env node
/**
 * learnfile: the operator's command line. Each command group lives in its own file and
 * runs through the server's own services (see program.ts and operate.ts).
 */
import { loadEnvFile } from '../server/ops/env-file.js';
import { runCli } from './program.js';

// The same .env the server reads, so the CLI finds the same database (the real environment wins).
loadEnvFile();
// A half-started server (say, its port was taken) may still hold the database open, so a
// failed run exits at once rather than waiting for it.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);
