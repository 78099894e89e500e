import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../src/modules/audit/audit-log.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('the audit log page on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let mine: string;
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    const db = t.database.db;
    mine = await addPartner(db, 'mine@example.com');
    const other = await addPartner(db, 'other@example.com');
    // 120 withdrawals paid, a third of them to « mine », amounts 1,00 € to 120,00 €.
    for (let i = 1; i <= 120; i++) {
      await writeAudit(db, { actorId: null, actorLabel: 'test', action: 'withdrawal_paid', subject: `withdrawal:00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, partnerId: i % 3 === 0 ? mine : other, params: { amountCents: i * 100, reference: `REF-${i}` } });
    }
  });
  afterAll(async () => t?.close());

  const rowsOf = (page: string) => [...page.matchAll(/<tr>\s*<td data-label/g)].length;

  it('says each entry in the page’s language, with amounts in euros and links to what changed', async () => {
    const campaign = await addCampaign(t.database.db, '0.12', 'Soldes');
    await writeAudit(t.database.db, { actorId: null, actorLabel: 'system (demo)', action: 'campaign_updated', subject: `campaign:${campaign.id}`, params: { fields: ['name', 'rateCents'], rateFromCents: 8, rateToCents: 12 } });
    await writeAudit(t.database.db, { actorId: null, actorLabel: 'cli (me@host)', action: 'sign_in', subject: `partner:${mine}`, detail: 'written before 0016' });
    const fr = (await ops.get('/admin/audit?kind=campaigns&lang=fr')).body;
    expect(fr).toContain('Campagne modifiée');
    expect(fr).toContain('Modifié : nom, tarif');
    expect(fr).toMatch(/Tarif : 0,08\s€ → 0,12\s€ par clic/);
    expect(fr).toContain(`<a href="/admin/campaigns/${campaign.id}">Soldes</a>`);
    expect(fr).toContain('système (démo)');
    const en = (await ops.get('/admin/audit?kind=withdrawals&lang=en')).body;
    expect(en).toContain('Withdrawal paid');
    expect(en).toContain('Reference: REF-120');
    expect(en).toContain('<a href="/admin/withdrawals/00000000-0000-0000-0000-000000000120">Request of €120.00</a>');
    expect(en).toContain(`<a href="/admin/partners/${mine}">mine@example.com</a>`);
    // An entry written before parameters existed shows its stored text.
    const signIns = (await ops.get('/admin/audit?kind=signIns&lang=fr')).body;
    expect(signIns).toContain('written before 0016');
    expect(signIns).toContain('ligne de commande (me@host)');
  });

  it('shows 50 entries a page with previous and next links', async () => {
    const first = (await ops.get('/admin/audit?kind=withdrawals&lang=fr')).body;
    expect(rowsOf(first)).toBe(50);
    expect(first).toContain('120 entrées');
    expect(first).toContain('Page 1 sur 3');
    expect(first).toContain('href="/admin/audit?kind=withdrawals&amp;page=2" rel="next"');
    expect(first).not.toContain('rel="prev"');
    const last = (await ops.get('/admin/audit?kind=withdrawals&page=3&lang=fr')).body;
    expect(rowsOf(last)).toBe(20);
    expect(last).toContain('href="/admin/audit?kind=withdrawals&amp;page=2" rel="prev"');
    expect(last).not.toContain('rel="next"');
    expect(last).toContain('REF-1<');
  });

  it('filters by partner, by email or id: only theirs', async () => {
    for (const partner of ['MINE@example.com', mine]) {
      const page = (await ops.get(`/admin/audit?kind=withdrawals&partner=${encodeURIComponent(partner)}&lang=fr`)).body;
      expect(page).toContain('Entrées concernant mine@example.com');
      expect(page).toContain('40 entrées');
      expect(rowsOf(page)).toBe(40);
      expect(page).not.toContain('other@example.com');
    }
  });

  it('says which filter it ignores, and still shows the log', async () => {
    const badKind = await ops.get('/admin/audit?kind=nope&lang=fr');
    expect(badKind.statusCode).toBe(200);
    expect(badKind.body).toContain('Type d’action inconnu : ce filtre est ignoré.');
    expect(badKind.body).toMatch(/<select id="audit-kind" name="kind" aria-invalid="true"/);
    const nobody = (await ops.get('/admin/audit?partner=ghost%40example.com&lang=fr')).body;
    expect(nobody).toContain('Aucun partenaire ne correspond à « ghost@example.com » : ce filtre est ignoré.');
    expect(rowsOf(nobody)).toBe(50);
    // 36 characters that look like an id but are none: ignored, not a database error.
    const notAnId = await ops.get(`/admin/audit?partner=${'a'.repeat(36)}&lang=fr`);
    expect(notAnId.statusCode).toBe(200);
    expect(notAnId.body).toContain(`Aucun partenaire ne correspond à « ${'a'.repeat(36)} » : ce filtre est ignoré.`);
    expect((await ops.get(`/admin/partners/${'-'.repeat(36)}`)).statusCode).toBe(404);
    const badPage = (await ops.get('/admin/audit?page=-2&lang=en')).body;
    expect(badPage).toContain('Invalid page number: the first page is shown.');
    expect(badPage).toContain('Page 1 of');
  });
});
