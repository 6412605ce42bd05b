#!/usr/bin/env node
/**
 * learnfile: the operator's command line. Each command group lives in its own file and
 * runs through the server's own services (see program.ts and operate.ts).
 */
import { runCli } from './program.js';

// A half-started server (say, its port was taken) may still hold the database open, so a
// failed run exits at once rather than waiting for it.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);
