/** The audit log's parameters, partner and pages, and suspension with a reason, on both engines. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { listAuditEntries, writeAudit } from '../../src/modules/audit/audit-log.js';
import { changePartnerStatus } from '../../src/modules/partners/partners.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, countRows, operator } from '../support/fixtures.js';

describe.each(ENGINES)('the audit log on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  it('keeps an entry’s parameters as data and the partner it concerns', async () => {
    const db = database.db;
    const partnerId = await addPartner(db, 'params@example.com');
    await writeAudit(db, { actorId: null, actorLabel: 'test', action: 'partner_status', subject: `partner:${partnerId}`, toState: 'suspended', params: { reason: 'Spam « x »', count: 3, fields: ['name', 'rateCents'], saved: true } });
    await writeAudit(db, { actorId: null, actorLabel: 'test', action: 'withdrawal_paid', subject: 'withdrawal:00000000-0000-0000-0000-000000000001', partnerId, params: { amountCents: 1250 } });
    await writeAudit(db, { actorId: null, actorLabel: 'test', action: 'campaign_status', subject: 'campaign:00000000-0000-0000-0000-000000000002' });
    const rows = await queryRows<{ action: string; params: unknown; partner_id: string | null }>(db, sql`select action, params, partner_id from audit_log order by id desc limit 3`);
    expect(rows).toEqual([
      { action: 'campaign_status', params: null, partner_id: null },
      { action: 'withdrawal_paid', params: { amountCents: 1250 }, partner_id: partnerId },
      { action: 'partner_status', params: { reason: 'Spam « x »', count: 3, fields: ['name', 'rateCents'], saved: true }, partner_id: partnerId },
    ]);
  });

  it('reads 120 entries in pages of 50, by kind and by partner', async () => {
    const db = database.db;
    await db.execute(sql`delete from audit_log`);
    const mine = await addPartner(db, 'pages@example.com');
    const other = await addPartner(db, 'other-pages@example.com');
    for (let i = 0; i < 120; i++) {
      const partnerId = i % 3 === 0 ? mine : other;
      await writeAudit(db, { actorId: null, actorLabel: 'test', action: i % 2 === 0 ? 'sign_in' : 'campaign_updated', subject: i % 2 === 0 ? `partner:${partnerId}` : `campaign:${partnerId}`, params: { i } });
    }
    const first = await listAuditEntries(db, {}, 1);
    expect([first.total, first.page, first.pageCount, first.entries.length]).toEqual([120, 1, 3, 50]);
    expect(first.entries[0]!.params).toEqual({ i: 119 });
    const third = await listAuditEntries(db, {}, 3);
    expect(third.entries.map((e) => e.params!.i)).toEqual(Array.from({ length: 20 }, (_, k) => 19 - k));
    // A page past the end shows the last one.
    expect((await listAuditEntries(db, {}, 99)).page).toBe(3);
    const signIns = await listAuditEntries(db, { kind: 'signIns' }, 1);
    expect(signIns.total).toBe(60);
    expect(signIns.entries.every((e) => e.action === 'sign_in')).toBe(true);
    // Only sign-ins have the partner as subject here: 20 of mine (i multiple of 6).
    const theirs = await listAuditEntries(db, { partnerId: mine }, 1);
    expect(theirs.total).toBe(20);
    expect(theirs.entries.every((e) => e.partnerId === mine && e.subject === `partner:${mine}`)).toBe(true);
    expect((await listAuditEntries(db, { partnerId: mine, kind: 'campaigns' }, 1)).total).toBe(0);
  });

  it('suspends only with a reason, keeps it and audits it; reinstating clears it', async () => {
    const db = database.db;
    const id = await addPartner(db, 'suspend-me@example.com');
    const entries = () => countRows(db, sql`audit_log where partner_id = ${id}`);
    const before = await entries();
    for (const reason of [undefined, '', '   ']) {
      await expect(changePartnerStatus(db, id, 'suspended', operator, reason)).rejects.toMatchObject({ field: 'reason', messageKey: 'admin.partner.error.reasonMissing' });
    }
    await expect(changePartnerStatus(db, id, 'suspended', operator, 'x'.repeat(501))).rejects.toMatchObject({ field: 'reason', messageKey: 'admin.partner.error.reasonTooLong' });
    const row = async () => (await queryRows<{ status: string; status_reason: string | null }>(db, sql`select status, status_reason from partners where id = ${id}`))[0];
    expect(await row()).toEqual({ status: 'active', status_reason: null });
    expect(await entries()).toBe(before);

    const change = await changePartnerStatus(db, id, 'suspended', operator, '  Clics achetés  ');
    expect([change.before.status, change.after.status, change.after.statusReason]).toEqual(['active', 'suspended', 'Clics achetés']);
    expect(await row()).toEqual({ status: 'suspended', status_reason: 'Clics achetés' });
    const audit = await queryRows<{ from_state: string; to_state: string; params: unknown }>(db, sql`select from_state, to_state, params from audit_log where partner_id = ${id} and action = 'partner_status'`);
    expect(audit).toEqual([{ from_state: 'active', to_state: 'suspended', params: { email: 'suspend-me@example.com', reason: 'Clics achetés' } }]);
    // Asking again changes nothing and writes nothing.
    const again = await changePartnerStatus(db, id, 'suspended', operator, 'Encore');
    expect(again.before.status).toBe(again.after.status);
    expect(await row()).toEqual({ status: 'suspended', status_reason: 'Clics achetés' });
    expect(await entries()).toBe(before + 1);

    await changePartnerStatus(db, id, 'active', operator);
    expect(await row()).toEqual({ status: 'active', status_reason: null });
    expect(await entries()).toBe(before + 2);
  });
});

describe.each(ENGINES)('migration 0016 on %s', (engine) => {
  it('gives the entries written before it the partner they concern', async () => {
    const database = await createTestDatabase(engine, { migrate: false });
    try {
      const db = database.db;
      await migrate(database, readMigrations().filter((m) => m.version < '0016'));
      const [partner] = await queryRows<{ id: string }>(db, sql`insert into partners (email) values ('old@example.com') returning id`);
      const [request] = await queryRows<{ id: string }>(db, sql`insert into withdraw_requests (partner_id, amount_cents, method, details_encrypted, details_masked, status) values (${partner!.id}, 1000, 'paypal', 'x', 'o…d@example.com', 'requested') returning id`);
      await db.execute(sql`insert into audit_log (actor_label, action, subject, detail) values
        ('old@example.com', 'sign_in', ${`partner:${partner!.id}`}, null),
        ('old@example.com', 'withdrawal_requested', ${`withdrawal:${request!.id}`}, '1000 cents · paypal'),
        ('system', 'campaign_status', 'campaign:00000000-0000-0000-0000-000000000000', null),
        ('system', 'odd', 'partner:not-a-uuid', null)`);
      await migrate(database);
      const rows = await queryRows<{ action: string; partner_id: string | null; detail: string | null }>(db, sql`select action, partner_id, detail from audit_log order by id`);
      expect(rows).toEqual([
        { action: 'sign_in', partner_id: partner!.id, detail: null },
        { action: 'withdrawal_requested', partner_id: partner!.id, detail: '1000 cents · paypal' },
        { action: 'campaign_status', partner_id: null, detail: null },
        { action: 'odd', partner_id: null, detail: null },
      ]);
    } finally {
      await database.close();
    }
  });
});
