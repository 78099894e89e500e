/** Listens, logs, and shuts down gracefully on SIGTERM/SIGINT. Everything else is in buildApp. */
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.js';
import { loggerOptions } from './http/logging.js';
import { hourlyHousekeeping } from './housekeeping.js';
import { isEmptyDatabase, loadDemoData } from './modules/demo/demo-data.js';
import { startPublishingWorker } from './modules/publishing/publishing-worker.js';
import { explainStartupError, startRuntime } from './runtime.js';

const logger = pino({ level: process.env.LOG_LEVEL || 'info' });

async function main(): Promise<void> {
  const { config, database, appliedMigrations } = await startRuntime(logger);
  logger.level = config.logLevel;
  if (appliedMigrations.length > 0) logger.info({ appliedMigrations }, 'database migrated');
  if (config.demoData && (await isEmptyDatabase(database.db))) {
    const loaded = await loadDemoData(database.db, new Date(), config);
    logger.info(loaded, 'empty database: demo data loaded (marked as demo; set DEMO_DATA=false to start empty)');
  }

  const app = await buildApp(config, database, { logger: loggerOptions(config.logLevel) });

  const housekeep = () => {
    hourlyHousekeeping(database.db, config.clickDedupeHours).catch((error: unknown) => app.log.error({ err: error }, 'housekeeping failed'));
  };
  const housekeeping = setInterval(housekeep, 60 * 60 * 1000);
  housekeeping.unref();
  // Publishing in this process unless a separate `cli worker` does it (PUBLISHING_WORKER=false).
  const worker = config.publishingWorker ? startPublishingWorker(database.db, app.publishing, app.mailer, app.log) : null;
  if (worker) app.publishing.wakeWorker = () => worker.wake();

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    clearInterval(housekeeping);
    // The worker's jobs in hand finish (or their lease lets another worker take them over), then
    // the app (in-flight requests answered, queued clicks committed), then the database.
    await worker?.stop();
    await app.close();
    await database.close();
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Port taken, say: close the database so the process can exit at once.
    clearInterval(housekeeping);
    await worker?.stop();
    await app.close();
    await database.close();
    throw error;
  }
  // Once at start too: an instance that never lives an hour still cleans up.
  housekeep();
  app.log.info(
    {
      baseUrl: config.baseUrl.href,
      database: database.engine === 'pglite' ? `embedded (${config.dataDir}/pglite)` : 'PostgreSQL (DATABASE_URL)',
      mail: config.smtpUrl ? 'SMTP' : `outbox folder ${config.dataDir}/outbox`,
    },
    `Plug & Earn is ready: open ${new URL('/partners', config.baseUrl).href}`,
  );
}

main().catch((error: unknown) => {
  const explanation = explainStartupError(error);
  if (explanation) logger.fatal(explanation);
  else logger.fatal({ err: error }, 'could not start');
  process.exitCode = 1;
});
