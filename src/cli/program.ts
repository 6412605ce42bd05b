/**
 * The learnfile command line as a function: build the commands, run one, answer the exit
 * code. main.ts runs it for the process; tests run it in-process with their own context.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { packagePath } from '../server/paths.js';
import { CliError } from './args.js';
import { registerAudit } from './audit.js';
import { registerBackup } from './backup.js';
import { registerCatalogue } from './catalogue.js';
import { registerCustomers } from './customers.js';
import { registerJourney } from './journey.js';
import { registerLearnerStatuses } from './learner-statuses.js';
import { registerMail } from './mail.js';
import { registerMigrate } from './migrate.js';
import { registerOrganisations } from './organisations.js';
import { cliEnv, note, takeExitStatus, writeErr, writeOut, withContext, type CliContext } from './output.js';
import { registerSeed } from './seed.js';
import { registerServe } from './serve.js';
import { registerTokens } from './tokens.js';
import { registerWebhooks } from './webhooks.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerImportProgramme } from './import-programme.js';
import { registerMirror } from './mirror.js';
import { registerBulkImport } from './bulk-import.js';

const version = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('learnfile')
    .description('Run and administer a learnfile server: customers, API tokens, organisations, mail, audit and webhooks')
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('--data-dir <dir>', 'embedded database directory (overrides DATA_DIR; default ./data)'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL server to use instead (overrides DATABASE_URL)'))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    // Settings made here are copied to every command created below, so all errors look alike.
    .configureOutput({
      writeOut,
      writeErr,
      outputError: (text, write) => write(text.replace(/^error: /, 'learnfile: ').replace(/\n\(Did you mean (.*)\)\n$/, ' (did you mean $1)\n')),
    })
    // Errors come back as exceptions, so that runCli decides the exit code (and tests can run it in-process).
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  $ learnfile serve
  $ learnfile customer create "Northgate Training Ltd"
  $ learnfile organisation create 1 "Northgate College" --keychain on
  $ learnfile --database-url postgres://learnfile@db/learnfile customer list

Run \`learnfile <command> --help\` for a command's options.`,
    );

  registerServe(program);
  registerMigrate(program);
  registerSeed(program);
  registerCustomers(program);
  registerTokens(program);
  registerOrganisations(program);
  registerLearnerStatuses(program);
  registerCatalogue(program);
  registerJourney(program);
  registerMail(program);
  registerAudit(program);
  registerBackup(program);
  registerWebhooks(program);
  registerImportProgramme(registerImport(program));
  registerExport(program);
  registerMirror(program);
  registerBulkImport(program);
  // `help` as a subcommand is not inherited, and `--help` already covers it everywhere.
  const withoutHelpCommand = (cmd: Command): void => {
    cmd.helpCommand(false);
    cmd.commands.forEach(withoutHelpCommand);
  };
  withoutHelpCommand(program);
  return program;
}

/** Runs one command line (without the node and script arguments); answers the exit code. */
export async function runCli(argv: string[], ctx?: CliContext): Promise<number> {
  const run = async (): Promise<number> => {
    try {
      takeExitStatus();
      await buildProgram().parseAsync(argv, { from: 'user' });
      return takeExitStatus();
    } catch (err) {
      // commander has printed its own message (or the help) already.
      if (err instanceof CommanderError) return err.exitCode;
      if (err instanceof CliError) {
        note(`learnfile: ${err.message}`);
      } else if (cliEnv().LEARNFILE_DEBUG && err instanceof Error && err.stack) {
        note(`learnfile: ${err.stack}`);
      } else {
        // Unexpected, but an operator still gets one line; the stack is there on request.
        note(`learnfile: ${err instanceof Error ? err.message : String(err)} (LEARNFILE_DEBUG=1 shows where)`);
      }
      return 1;
    }
  };
  return ctx ? withContext(ctx, run) : run();
}
