/**
 * Start-up shared by the server and the CLI: validated settings, the database (locked when
 * embedded), migrations applied. Errors come back as one readable line for the terminal.
 */
import { ConfigError, loadConfig, readEnvironment, type Config } from './config.js';
import { openDatabase, type Database, type Logger } from './db/client.js';
import { DataDirectoryLockedError } from './db/lock.js';
import { migrate } from './db/migrate.js';
import { backfillPseudonymKeys } from './modules/partners/pseudonym.js';

export interface Runtime {
  config: Config;
  database: Database;
  appliedMigrations: string[];
}

export async function startRuntime(logger: Logger, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig(readEnvironment());
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const appliedMigrations = options.migrate === false ? [] : await migrate(database);
    if (options.migrate !== false) {
      // Data that SQL cannot derive (migration 0014): the pseudonyms' look-alike keys.
      const { keyed, cleared } = await backfillPseudonymKeys(database.db);
      if (keyed + cleared.length > 0) logger.warn({ keyed, cleared }, 'pseudonyms keyed; look-alikes of earlier ones cleared (audit log: pseudonym_cleared)');
    }
    return { config, database, appliedMigrations };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** A one-line explanation for errors a person can fix (bad setting, locked directory), else null. */
export function explainStartupError(error: unknown): string | null {
  if (error instanceof ConfigError || error instanceof DataDirectoryLockedError) return error.message;
  if (error instanceof Error && /^(Migration|Two migration files|Cannot reach PostgreSQL)/.test(error.message)) return error.message;
  return null;
}
