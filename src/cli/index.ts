#!/usr/bin/env node
/**
 * The command line: the same services as the web, from a terminal.
 *   plug-and-earn migrate     apply pending database migrations
 */
import pino from 'pino';
import { explainStartupError, startRuntime } from '../runtime.js';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  migrate    apply pending database migrations and exit
  help       show this help`;

const logger = pino({ level: 'warn' });

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'migrate': {
      const { database, appliedMigrations } = await startRuntime(logger);
      await database.close();
      console.log(appliedMigrations.length ? `Applied migrations: ${appliedMigrations.join(', ')}` : 'Database is up to date.');
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(explainStartupError(error) ?? (error instanceof Error ? error.stack : String(error)));
    process.exitCode = 1;
  },
);
