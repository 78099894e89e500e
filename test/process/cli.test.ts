import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { requestWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { quietLogger } from '../support/databases.js';
import { addPartner, earn, ledgerProblems } from '../support/fixtures.js';
import { ensureBuilt, runNode, startServer } from '../support/processes.js';
import { sepaSchemaErrors } from '../support/sepa-schema.js';
import { testConfig } from '../support/test-app.js';

// Each command is a new process opening PGlite (1–2 s of start-up): a test runs a dozen of them.
describe('the CLI on the embedded database', { timeout: 240_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-cli-'));
  const env = { DATA_DIR: join(cwd, 'data') };
  const cli = (...args: string[]) => runNode('dist/src/cli/index.js', args, env, cwd);
  beforeAll(() => ensureBuilt());

  it('creates, lists, pauses and ends campaigns; lists and suspends partners; verifies the summaries', async () => {
    const created = await cli('campaigns', 'create', '--name', 'CLI campaign', '--url', 'https://brand.example/cli', '--rate', '0,25', '--post', 'Regarde {link}');
    expect(created.output).toMatch(/Created campaign [0-9a-f-]{36} \(CLI campaign, €0\.25 per valid click\)/);
    expect(created.code).toBe(0);
    const id = /Created campaign ([0-9a-f-]{36})/.exec(created.output)![1]!;
    expect((await cli('campaigns', 'list')).output).toContain('CLI campaign');
    expect((await cli('campaigns', 'pause', id)).output).toContain('is now paused');
    const again = await cli('campaigns', 'pause', id);
    expect(again.code).toBe(1);
    expect(again.output).toContain('Cannot go from “paused” to “paused”');
    expect((await cli('campaigns', 'end', id)).output).toContain('is now ended');
    const bad = await cli('campaigns', 'create', '--name', 'Bad', '--url', 'javascript:alert(1)');
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('Invalid targetUrl');
    expect((await cli('campaigns', 'pause', 'nope')).output).toContain('No such campaign.');
    expect((await cli('campaigns', 'create', '--colour', 'red')).code).toBe(2);
    // A control character (a NUL cannot cross a command line; the same rule refuses it on the web).
    for (const args of [['--name', 'Bell\x07', '--url', 'https://brand.example/'], ['--name=Bell\x07', '--url', 'https://brand.example/'], ['--name', 'Ok', '--url', 'https://brand.example/', '--post', 'a\x1bb']]) {
      const control = await cli('campaigns', 'create', ...args);
      expect(control.code, args.join(' ')).toBe(1);
      expect(control.output).toMatch(/Invalid --(name|post): The field “--(name|post)” holds a control character \(U\+00(07|1B)\)/);
    }
    expect((await cli('campaigns', 'list')).output).not.toContain('Bell');

    expect((await cli('demo', 'load')).output).toContain('only loaded into an empty database');
    expect((await cli('partners', 'list')).output).toContain('No partner.');
    expect((await cli('stats', 'verify')).output).toContain('Daily summaries match the click ledger.');
    expect((await cli('partners', 'suspend', 'ghost@example.com')).output).toContain('No such partner.');
  });

  it('refuses to run while the server holds the data directory', async () => {
    const server = await startServer({ ...env, DEMO_DATA: 'false' }, cwd);
    try {
      const refused = await cli('campaigns', 'list');
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('is already open in process');
      // The server publishes with its own worker: a second one is refused, saying so.
      const worker = await cli('worker');
      expect(worker.code).toBe(1);
      expect(worker.output).toContain('A server publishes with its own worker (PUBLISHING_WORKER=true)');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('loads demo data into a new data directory and shows partners', async () => {
    const fresh = { DATA_DIR: join(mkdtempSync(join(tmpdir(), 'pe-cli-')), 'data') };
    const loaded = await runNode('dist/src/cli/index.js', ['demo', 'load'], fresh, cwd);
    expect(loaded.output).toMatch(/Demo data loaded: 4 campaigns, 8 partners, \d+ clicks\./);
    const partners = await runNode('dist/src/cli/index.js', ['partners', 'list'], fresh, cwd);
    expect(partners.output).toContain('lina.demo@example.com');
    const suspended = await runNode('dist/src/cli/index.js', ['partners', 'suspend', 'lina.demo@example.com', '--reason', 'test'], fresh, cwd);
    expect(suspended.output).toContain('Partner lina.demo@example.com is now suspended.');
    expect((await runNode('dist/src/cli/index.js', ['stats', 'verify'], fresh, cwd)).code).toBe(0);
  });
});

describe('withdrawals from the CLI', { timeout: 240_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-cli-'));
  const env = {
    DATA_DIR: join(cwd, 'data'),
    APP_SECRET: 'cli-secret-cli-secret-cli-secret-cli-0001',
    SEPA_DEBTOR_NAME: 'Plug & Earn SAS',
    SEPA_DEBTOR_IBAN: 'FR1420041010050500013M02606',
  };
  const cli = (...args: string[]) => runNode('dist/src/cli/index.js', args, env, cwd);
  const ids: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const store = await openDatabase({ databaseUrl: null, dataDir: env.DATA_DIR, logger: quietLogger });
    await migrate(store);
    const partner = await addPartner(store.db, 'cli-saver@example.com');
    await earn(store.db, partner, 5);
    const config = testConfig({ APP_SECRET: env.APP_SECRET, DATA_DIR: env.DATA_DIR });
    for (const amount of ['10', '15']) {
      ids.push((await requestWithdrawal(store.db, config, partner, { amount, method: 'bank', details: 'FR7630006000011234567890189', holderName: 'Jeanne Dupont' }, null)).withdrawal.id);
    }
    await store.close();
  });

  it('lists, approves, rejects, exports the SEPA file and marks it paid', async () => {
    const list = await cli('withdrawals', 'list', '--status', 'requested');
    expect(list.output).toContain('FR76 •••• •••• 0189');
    expect(list.output.trim().split('\n')).toHaveLength(2);
    // A refused value, like every refusal of a service: the message and exit code 1.
    const unknownStatus = await cli('withdrawals', 'list', '--status', 'lost');
    expect(unknownStatus.code).toBe(1);
    expect(unknownStatus.output).toContain('Invalid status: Unknown status “lost”.');
    expect((await cli('withdrawals', 'approve', ids[0]!)).output).toContain('is now approved');
    expect((await cli('withdrawals', 'approve', ids[0]!)).code).toBe(1);
    const noReason = await cli('withdrawals', 'reject', ids[1]!);
    expect(noReason.code).toBe(1);
    expect(noReason.output).toContain('Invalid reason');
    expect((await cli('withdrawals', 'reject', ids[1]!, '--reason', 'Doublon')).output).toContain('is now rejected');
    const out = join(cwd, 'sepa.xml');
    const exported = await cli('payout-files', 'export', 'sepa', '--out', out);
    expect(exported.output).toMatch(/Wrote .*sepa\.xml: 1 request, €10\.00, message id (PE-SEPA-[0-9A-F]+)\./);
    expect(await sepaSchemaErrors(readFileSync(out, 'utf8'))).toEqual([]);
    const messageId = /message id (PE-SEPA-[0-9A-F]+)/.exec(exported.output)![1]!;
    expect((await cli('withdrawals', 'reject', ids[0]!, '--reason', 'late')).output).toContain('payout file');
    expect((await cli('payout-files', 'pay', messageId)).output).toContain(`1 request paid with reference ${messageId}`);
    expect((await cli('withdrawals', 'list', '--status', 'paid')).output).toContain(ids[0]!);
    const outbox = readdirSync(join(env.DATA_DIR, 'outbox'));
    expect(outbox.length).toBe(3); // approved, rejected, paid: the partner was told each time
    const store = await openDatabase({ databaseUrl: null, dataDir: env.DATA_DIR, logger: quietLogger });
    try {
      expect(await ledgerProblems(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
