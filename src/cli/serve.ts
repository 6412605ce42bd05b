import type { Command } from 'commander';
import { parsePort, CliError } from './args.js';
import { cliConfig } from './db.js';
import { examples } from './output.js';
import { DataDirBusy } from '../server/db/lock.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the API server (the same as npm start)')
    .option('--port <n>', 'port to listen on (default: PORT, else 3000)', parsePort)
    .option('--host <host>', 'address to listen on (default: HOST, else 127.0.0.1)')
    .addHelpText(
      'after',
      examples('learnfile serve', 'learnfile serve --port 8080 --host 0.0.0.0', 'learnfile --database-url postgres://learnfile@db/learnfile serve'),
    )
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const config = await cliConfig(cmd, { PORT: opts.port?.toString(), HOST: opts.host });
      // Loaded here, not at the top: Fastify and its plugins would slow every other command.
      const { serve, closeOnSignals } = await import('../server/main.js');
      try {
        closeOnSignals(await serve(config));
      } catch (err) {
        if (err instanceof DataDirBusy) throw new CliError(err.message);
        throw err;
      }
    });
}
