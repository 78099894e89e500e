#!/usr/bin/env node
/**
 * The command line: the same services as the web, from a terminal. On the embedded database it
 * refuses to run while a server holds the data directory (the directory lock says so).
 */
import { writeFileSync } from 'node:fs';
import { userInfo, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { translator } from '../i18n/index.js';
import { DomainError, NotFoundError } from '../lib/errors.js';
import { formatCents } from '../lib/money.js';
import { findUnstorableText, type UnstorableText } from '../lib/stored-text.js';
import type { Actor } from '../modules/audit/actor.js';
import { CAMPAIGN_ACTION_NAMES, CAMPAIGN_ACTIONS } from '../modules/campaigns/campaign-states.js';
import { createCampaign, listCampaigns, setCampaignStatus } from '../modules/campaigns/campaigns.js';
import { rebuildDailyStats, verifyDailyStats } from '../modules/earnings/daily-stats.js';
import { isEmptyDatabase, loadDemoData } from '../modules/demo/demo-data.js';
import { findPartner, listPartners } from '../modules/partners/partners.js';
import { decidePartnerStatus } from '../modules/partners/status-decisions.js';
import { explainStartupError, startRuntime } from '../runtime.js';
import { createMailer } from '../app.js';
import { DataDirectoryLockedError } from '../db/lock.js';
import { publishingDeps } from '../modules/publishing/adapters.js';
import { startPublishingWorker } from '../modules/publishing/publishing-worker.js';
import { decideWithdrawal, payPayoutFile } from '../modules/withdrawals/decisions.js';
import { cancelPayoutFile, createPayoutFile } from '../modules/withdrawals/payout-files.js';
import { listWithdrawals, parseStatusFilter, WITHDRAWAL_ACTIONS } from '../modules/withdrawals/withdrawals.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                                   apply pending database migrations and exit
  campaigns list
  campaigns create --name N --url URL [--rate EUR] [--post TEXT]...
  campaigns pause|resume|end <campaign-id>
  partners list [--search TEXT]
  partners suspend <partner-id-or-email> --reason TEXT   (the partner is emailed the reason)
  partners reinstate <partner-id-or-email> [--reason TEXT]
  withdrawals list [--status requested|approved|paid|rejected|all]
  withdrawals approve <id>
  withdrawals reject <id> --reason TEXT
  withdrawals pay <id> --reference TEXT
  payout-files export sepa|paypal [--out FILE]
  payout-files pay <message-id>              mark every request of the file paid
  payout-files cancel <message-id>           cancel an unpaid file (its requests are freed)
  stats verify                              recompute the daily summaries from the click ledger and compare
  stats rebuild                             replace the daily summaries with the recomputed ones
  demo load                                 load the demo data into an empty database
  worker                                    run the publishing worker alone (no web server) until SIGTERM or
                                            Ctrl-C, then let the jobs in hand finish: beside servers on
                                            PostgreSQL (PUBLISHING_WORKER=false there); on the embedded
                                            database only while no server holds it
  help                                      show this help`;

const logger = pino({ level: 'warn' });
const cliActor: Actor = { id: null, label: `cli (${safeUser()}@${hostname()})` };

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

class UsageError extends Error {}

const requests = (n: number) => `${n} ${n === 1 ? 'request' : 'requests'}`;

/** Where a mail that could not leave is reported. */
const cliLog = { error: (obj: unknown, msg?: string) => console.error(msg, obj) };

type Command = (args: string[], runtime: { config: Config; database: Database }) => Promise<number>;

const commands: Record<string, Command> = {
  async 'campaigns list'(_args, { database }) {
    const list = await listCampaigns(database.db);
    if (list.length === 0) console.log('No campaign.');
    for (const c of list) console.log(`${c.id}  ${c.status.padEnd(6)}  ${formatCents(c.rateCents, 'en').padStart(8)}  ${c.name}  → ${c.targetUrl}`);
    return 0;
  },
  async 'campaigns create'(args, { config, database }) {
    const { values } = parseArgs({ args, options: { name: { type: 'string' }, url: { type: 'string' }, rate: { type: 'string' }, post: { type: 'string', multiple: true } } });
    const campaign = await createCampaign(database.db, { name: values.name, targetUrl: values.url, ratePerClickEur: values.rate, posts: values.post ?? [] }, config.defaultRateCents, cliActor);
    console.log(`Created campaign ${campaign.id} (${campaign.name}, ${formatCents(campaign.rateCents, 'en')} per valid click).`);
    return 0;
  },
  async 'partners list'(args, { database }) {
    const { values } = parseArgs({ args, options: { search: { type: 'string' } } });
    const list = await listPartners(database.db, { search: values.search, limit: 10_000 });
    if (list.length === 0) console.log('No partner.');
    for (const p of list) console.log(`${p.id}  ${p.status.padEnd(9)}  ${p.role.padEnd(7)}  ${p.email}${p.pseudonym ? `  (${p.pseudonym})` : ''}`);
    return 0;
  },
  async 'stats verify'(_args, { database }) {
    const mismatches = await verifyDailyStats(database.db);
    if (mismatches.length === 0) {
      console.log('Daily summaries match the click ledger.');
      return 0;
    }
    console.error(`${mismatches.length} ${mismatches.length === 1 ? 'partner-day disagrees' : 'partner-days disagree'} with the click ledger, e.g. ${mismatches.slice(0, 5).map((m) => `${m.partner_id} ${m.day}`).join(', ')}. Run "stats rebuild" to repair.`);
    return 1;
  },
  async 'stats rebuild'(_args, { database }) {
    await rebuildDailyStats(database.db);
    console.log('Daily summaries rebuilt from the click ledger.');
    return 0;
  },
  async 'demo load'(_args, { config, database }) {
    if (!(await isEmptyDatabase(database.db))) {
      console.error('The database is not empty: demo data is only loaded into an empty database.');
      return 1;
    }
    const loaded = await loadDemoData(database.db, new Date(), config);
    console.log(`Demo data loaded: ${loaded.campaigns} campaigns, ${loaded.partners} partners, ${loaded.clicks} clicks.`);
    return 0;
  },
};

commands['withdrawals list'] = async (args, { database }) => {
  const { values } = parseArgs({ args, options: { status: { type: 'string' } } });
  const status = parseStatusFilter(values.status);
  const list = await listWithdrawals(database.db, status);
  if (list.length === 0) console.log('No withdrawal request.');
  for (const w of list) console.log(`${w.id}  ${w.status.padEnd(9)}  ${formatCents(w.amountCents, 'en').padStart(10)}  ${w.method.padEnd(6)}  ${w.detailsMasked}  ${w.partnerEmail}${w.reason ? `  (${w.reason})` : ''}`);
  return 0;
};

for (const action of WITHDRAWAL_ACTIONS) {
  commands[`withdrawals ${action}`] = async (args, { config, database }) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' }, reference: { type: 'string' } } });
    const id = positionals[0];
    if (!id) throw new UsageError(`withdrawals ${action} needs a request id (see "withdrawals list")`);
    const mailer = createMailer(config);
    const result = await decideWithdrawal({ db: database.db, config, mailer, log: cliLog }, id, action, cliActor, values).finally(() => mailer.close());
    console.log(`Withdrawal ${id} is now ${result.after.status}.`);
    return 0;
  };
}

commands['payout-files export'] = async (args, { config, database }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  const kind = positionals[0];
  if (kind !== 'sepa' && kind !== 'paypal') throw new UsageError('payout-files export needs "sepa" or "paypal"');
  // Which of the two the settings offer is the service's rule (PAYOUT_METHODS), as on the web.
  const file = await createPayoutFile(database.db, config, kind === 'sepa' ? 'bank' : kind, cliActor);
  const out = values.out ?? file.filename;
  writeFileSync(out, file.body, { mode: 0o600 });
  console.log(`Wrote ${out}: ${requests(file.count)}, ${formatCents(file.totalCents, 'en')}, message id ${file.messageId}.`);
  return 0;
};

commands['payout-files pay'] = async (args, { config, database }) => {
  const messageId = args[0];
  if (!messageId) throw new UsageError('payout-files pay needs the message id of an exported file');
  const mailer = createMailer(config);
  const paid = await payPayoutFile({ db: database.db, config, mailer, log: cliLog }, messageId, cliActor).finally(() => mailer.close());
  console.log(`${requests(paid.length)} paid with reference ${messageId}.`);
  return 0;
};

commands['payout-files cancel'] = async (args, { database }) => {
  const messageId = args[0];
  if (!messageId) throw new UsageError('payout-files cancel needs the message id of an unpaid file');
  await cancelPayoutFile(database.db, messageId, cliActor);
  console.log(`File ${messageId} cancelled: its requests are free again.`);
  return 0;
};

for (const verb of CAMPAIGN_ACTION_NAMES) {
  commands[`campaigns ${verb}`] = async (args, { database }) => {
    const id = args[0];
    if (!id) throw new UsageError(`campaigns ${verb} needs a campaign id (see "campaigns list")`);
    const campaign = await setCampaignStatus(database.db, id, CAMPAIGN_ACTIONS[verb].to, cliActor);
    console.log(`Campaign ${campaign.id} is now ${campaign.status}.`);
    return 0;
  };
}

for (const [verb, status] of [['suspend', 'suspended'], ['reinstate', 'active']] as const) {
  commands[`partners ${verb}`] = async (args, { config, database }) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' } } });
    const who = positionals[0];
    if (!who) throw new UsageError(`partners ${verb} needs a partner id or email (see "partners list")`);
    const partner = await findPartner(database.db, who);
    // The partner is emailed (with the reason of a suspension, which is required).
    const mailer = createMailer(config);
    const after = await decidePartnerStatus({ db: database.db, config, mailer, log: cliLog }, partner.id, status, cliActor, values.reason).finally(() => mailer.close());
    console.log(`Partner ${after.email} is now ${after.status}.`);
    return 0;
  };
}

/** The first argument that breaks the rule for stored text (lib/stored-text.ts), named as typed. */
function unstorableArgument(args: string[]): UnstorableText | null {
  for (const [i, arg] of args.entries()) {
    const bad = findUnstorableText(arg);
    if (!bad) continue;
    const previous = args[i - 1];
    const field = arg.startsWith('--') ? arg.split('=')[0]! : previous?.startsWith('--') ? previous : `argument ${i + 1}`;
    return { ...bad, field };
  }
  return null;
}

/**
 * `worker`: the publishing worker with no HTTP server, until SIGTERM or SIGINT; then it stops
 * claiming, the jobs in hand finish (a second signal exits at once: their lease lets another
 * worker take them over), and the database is closed.
 */
async function runWorker(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`worker takes no arguments.\n\n${USAGE}`);
    return 2;
  }
  const runtime = await startRuntime(logger).catch((error: unknown) => {
    if (!(error instanceof DataDirectoryLockedError)) throw error;
    console.error(`${error.message}\nA server publishes with its own worker (PUBLISHING_WORKER=true); a worker of its own needs PostgreSQL, or no server running.`);
    return null;
  });
  if (!runtime) return 1;
  const { config, database } = runtime;
  const log = pino({ level: config.logLevel });
  const mailer = createMailer(config);
  const worker = startPublishingWorker(database.db, publishingDeps(config), mailer, log);
  // The worker's timers do not keep a process alive (the server's socket does, not here).
  const keepAlive = setInterval(() => undefined, 60_000);
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const stopping = new Promise<NodeJS.Signals>((resolve) => signals.forEach((name) => process.once(name, () => resolve(name))));
  log.info({ worker: worker.id, database: database.engine === 'pglite' ? `embedded (${config.dataDir}/pglite)` : 'PostgreSQL (DATABASE_URL)', leaseSeconds: config.publishingLeaseMs / 1000, pollMs: config.publishingPollMs }, 'publishing worker started; SIGTERM or Ctrl-C stops it');
  const signal = await stopping;
  signals.forEach((name) => process.once(name, () => process.exit(1)));
  log.info({ signal }, 'stopping: the jobs in hand finish (again to exit at once)');
  await worker.stop();
  clearInterval(keepAlive);
  mailer.close();
  await database.close();
  log.info('publishing worker stopped');
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help') {
    console.log(USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === 'migrate') {
    const { database, appliedMigrations } = await startRuntime(logger);
    await database.close();
    console.log(appliedMigrations.length ? `Applied migrations: ${appliedMigrations.join(', ')}` : 'Database is up to date.');
    return 0;
  }
  if (first === 'worker') return runWorker(argv.slice(1));
  const command = commands[`${first} ${second ?? ''}`];
  if (!command) {
    console.error(`Unknown command "${argv.join(' ')}".\n\n${USAGE}`);
    return 2;
  }
  const unstorable = unstorableArgument(rest);
  if (unstorable) {
    console.error(`Invalid ${unstorable.field}: ${translator('en')('error.text.control', { field: unstorable.field, character: unstorable.character ?? '' })}`);
    return 1;
  }
  const runtime = await startRuntime(logger);
  try {
    return await command(rest, runtime);
  } catch (error) {
    const t = translator('en');
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    // The one mapping of a refusal to a terminal: a line naming the field, exit code 1.
    if (!(error instanceof DomainError)) throw error;
    if (error instanceof NotFoundError) console.error(`No such ${error.what}.`);
    else console.error(`${error.field ? `Invalid ${error.field}: ` : ''}${t(error.messageKey, error.params)}`);
    return 1;
  } finally {
    await runtime.database.close();
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
