import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestWithdrawal, transitionWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner, click, earn, linkCode, operator } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe.each(ENGINES)('operators’ overview, withdrawal tabs and campaign figures on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let partner: Visitor;
  let campaignId: string;
  let otherCampaignId: string;
  let linaId: string;

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    partner = new Visitor(t.app);
    await partner.signIn('someone@example.com', t.mailer);
    const db = t.database.db;
    const campaign = await addCampaign(db, '0.12', 'Box <bio>');
    const other = await addCampaign(db, '0.05', 'Autre campagne');
    campaignId = campaign.id;
    otherCampaignId = other.id;
    linaId = await addPartner(db, 'lina@example.com');
    const code = await linkCode(db, linaId, campaign.id);
    for (let i = 0; i < 3; i++) await click(db, code);
    await click(db, code, { userAgent: BOT_UA });
    const rich = await addPartner(db, 'rich@example.com');
    await earn(db, rich, 10, '10');
    const paypal = (amount: string) => ({ amount, method: 'paypal', details: 'rich@example.com' });
    await requestWithdrawal(db, t.config, rich, paypal('12.50'), null);
    await requestWithdrawal(db, t.config, rich, paypal('20'), null);
    await requestWithdrawal(db, t.config, rich, paypal('15'), null);
    const approved = await requestWithdrawal(db, t.config, rich, paypal('10'), null);
    await transitionWithdrawal(db, approved.withdrawal.id, 'approve', operator);
  });
  afterAll(async () => t?.close());

  it('lets only operators in: nobody 401, a partner 403', async () => {
    for (const url of ['/admin', '/admin/withdrawals', '/admin/withdrawals?status=approved', `/admin/campaigns/${campaignId}`, `/admin/campaigns/${campaignId}?days=7`]) {
      expect((await new Visitor(t.app).get(url)).statusCode, url).toBe(401);
      expect((await partner.get(url)).statusCode, url).toBe(403);
      expect((await ops.get(url)).statusCode, url).toBe(200);
    }
  });

  it('shows the overview: requests waiting with their sum and link, today’s clicks, the month’s spend, new partners, the areas', async () => {
    const page = (await ops.get('/admin?lang=fr')).body;
    expect(page).toMatch(/Retraits à examiner<\/dt><dd>3<\/dd><dd class="help">47,50\s€ au total<br><a href="\/admin\/withdrawals\?status=requested">/);
    expect(page).toMatch(/Retraits approuvés à payer<\/dt><dd>1<\/dd><dd class="help">10,00\s€ au total/);
    // Today: Lina's 3 valid clicks and the bot's, and the 10 clicks of rich's campaign.
    expect(page).toMatch(/Clics aujourd’hui<\/dt><dd>14<\/dd><dd class="help">dont 13 valides/);
    // New this week: lina, rich, someone (and not the operator).
    expect(page).toMatch(/Nouveaux partenaires<\/dt><dd>3<\/dd><dd class="help">cette semaine, depuis le lundi/);
    expect(page).toMatch(new RegExp(`<a href="/admin/campaigns/${campaignId}">Box &lt;bio&gt;</a></th><td class="num" data-label="Clics">4</td><td class="num" data-label="Clics valides">3</td><td class="num" data-label="Dépense">0,36\\s€</td>`));
    // An active campaign without a click this month is listed at zero.
    expect(page).toContain(`<a href="/admin/campaigns/${otherCampaignId}">Autre campagne</a></th><td class="num" data-label="Clics">0</td>`);
    expect(page).toMatch(/Total<\/th><td class="num" data-label="Clics">14<\/td><td class="num" data-label="Clics valides">13<\/td><td class="num" data-label="Dépense">100,36\s€<\/td>/);
    for (const area of ['/admin/campaigns', '/admin/partners', '/admin/withdrawals', '/admin/audit']) expect(page).toContain(`href="${area}"`);
    const english = (await ops.get('/admin?lang=en')).body;
    expect(english).toMatch(/Clicks today<\/dt><dd>14<\/dd><dd class="help">of which 13 are valid/);
    expect(english).toContain('data-label="Spend">€100.36</td>');
  });

  it('puts the count of each state in the withdrawals tabs, in French with the feminine plural, the current one marked', async () => {
    const page = (await ops.get('/admin/withdrawals?lang=fr')).body;
    expect(page).toContain('<a href="/admin/withdrawals?status=all">Toutes (4)</a>');
    expect(page).toContain('<a href="/admin/withdrawals?status=requested" aria-current="page">Demandées (3)</a>');
    expect(page).toContain('<a href="/admin/withdrawals?status=approved">Approuvées (1)</a>');
    expect(page).toContain('<a href="/admin/withdrawals?status=paid">Payées (0)</a>');
    expect(page).toContain('<a href="/admin/withdrawals?status=rejected">Refusées (0)</a>');
    const approved = (await ops.get('/admin/withdrawals?status=approved&lang=en')).body;
    expect(approved).toContain('<a href="/admin/withdrawals?status=approved" aria-current="page">Approved (1)</a>');
    expect(approved).toContain('<a href="/admin/withdrawals?status=requested">Requested (3)</a>');
    const all = (await ops.get('/admin/withdrawals?status=all')).body;
    expect(all).toContain('aria-current="page">All (4)</a>');
  });

  it('shows a campaign’s figures: clicks, not counted by reason, spend, EPC, top partners and days, over the chosen period', async () => {
    const page = (await ops.get(`/admin/campaigns/${campaignId}?lang=fr`)).body;
    expect(page).toContain('Chiffres des 30 derniers jours');
    expect(page).toContain(`<a href="/admin/campaigns/${campaignId}?days=30#figures" aria-current="page">30 jours</a>`);
    expect(page).toMatch(/<dt>Clics<\/dt><dd>4<\/dd>/);
    expect(page).toMatch(/<dt>Clics valides<\/dt><dd>3<\/dd>/);
    expect(page).toMatch(/<dt>Dépense<\/dt><dd>0,36\s€<\/dd>/);
    expect(page).toMatch(/<dt>EPC<\/dt><dd>0,12\s€<\/dd><dd class="help">Dépense ÷ clics valides/);
    expect(page).toContain('<th scope="row">Robots et aperçus de lien</th><td class="num" data-label="Clics">1</td>');
    expect(page).not.toContain('Même visiteur déjà compté récemment');
    expect(page).toContain(`<th scope="row"><a href="/admin/partners/${linaId}">lina<wbr>@example.com</a></th>`);
    expect(page).not.toContain('rich@example.com');
    expect(page).toMatch(/<th scope="row"><time datetime="\d{4}-\d\d-\d\d">[^<]+ \d{4}<\/time><\/th><td class="num" data-label="Clics">4<\/td>/);
    const week = (await ops.get(`/admin/campaigns/${campaignId}?days=7&lang=en`)).body;
    expect(week).toContain('Figures for the last 7 days');
    expect(week).toContain(`<a href="/admin/campaigns/${campaignId}?days=7#figures" aria-current="page">7 days</a>`);
    // A period that is not offered shows the default one, not an error.
    expect((await ops.get(`/admin/campaigns/${campaignId}?days=abc&lang=fr`)).body).toContain('Chiffres des 30 derniers jours');
    const quiet = (await ops.get(`/admin/campaigns/${otherCampaignId}?lang=fr`)).body;
    expect(quiet).toContain('Aucun clic sur cette campagne pendant la période.');
    expect(quiet).toMatch(/<dt>EPC<\/dt><dd>—<\/dd><dd class="help">Aucun clic valide sur la période\. Dépense ÷ clics valides/);
  });
});
