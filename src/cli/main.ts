#!/usr/bin/env node
/**
 * learnfile: the operator's command line. Each command group lives in its own file and
 * talks to the database through the server's own repositories.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { packagePath } from '../server/paths.js';
import { CliError } from './args.js';
import { registerAudit } from './audit.js';
import { registerBackup } from './backup.js';
import { loadEnvFile } from '../server/ops/env-file.js';
import { registerCustomers } from './customers.js';
import { registerLearnerStatuses } from './learner-statuses.js';
import { registerMail } from './mail.js';
import { registerMigrate } from './migrate.js';
import { registerOrganisations } from './organisations.js';
import { note } from './output.js';
import { registerSeed } from './seed.js';
import { registerServe } from './serve.js';
import { registerTokens } from './tokens.js';

const version = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

function buildProgram(): Command {
  const program = new Command('learnfile')
    .description('Run and administer a learnfile server: customers, API tokens, organisations, mail and audit')
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('--data-dir <dir>', 'embedded database directory (overrides DATA_DIR; default ./data)'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL server to use instead (overrides DATABASE_URL)'))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    // Settings made here are copied to every command created below, so all errors look alike.
    .configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, 'learnfile: ').replace(/\n\(Did you mean (.*)\)\n$/, ' (did you mean $1)\n')),
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', `
Examples:
  $ learnfile serve
  $ learnfile customer create "Northgate Training Ltd"
  $ learnfile organisation create 1 "Northgate College" --keychain on
  $ learnfile --database-url postgres://learnfile@db/learnfile customer list

Run \`learnfile <command> --help\` for a command's options.`);

  registerServe(program);
  registerMigrate(program);
  registerSeed(program);
  registerCustomers(program);
  registerTokens(program);
  registerOrganisations(program);
  registerLearnerStatuses(program);
  registerMail(program);
  registerAudit(program);
  registerBackup(program);
  // `help` as a subcommand is not inherited, and `--help` already covers it everywhere.
  const withoutHelpCommand = (cmd: Command): void => { cmd.helpCommand(false); cmd.commands.forEach(withoutHelpCommand); };
  withoutHelpCommand(program);
  return program;
}

async function main(): Promise<void> {
  try {
    // The same .env the server reads, so the CLI finds the same database (the real environment wins).
    loadEnvFile();
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CliError) {
      note(`learnfile: ${err.message}`);
    } else if (process.env.LEARNFILE_DEBUG && err instanceof Error && err.stack) {
      note(`learnfile: ${err.stack}`);
    } else {
      // Unexpected, but an operator still gets one line; the stack is there on request.
      note(`learnfile: ${err instanceof Error ? err.message : String(err)} (LEARNFILE_DEBUG=1 shows where)`);
    }
    // A half-started server (say, its port was taken) may still hold the database open.
    process.exit(1);
  }
}

await main();
