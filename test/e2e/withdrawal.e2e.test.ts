/**
 * A withdrawal end to end in Chromium: a partner with earnings asks for one, the operator approves
 * and pays it in the back-office, the partner sees it paid and the balance right.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { addPartner, earn } from '../support/fixtures.js';
import { CapturingMailer } from '../support/test-app.js';

const shots = SCREENSHOTS;


describe('a withdrawal in a real browser', () => {
  let browser: Browser;
  let origin: string;
  const mailer = new CapturingMailer();

  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({
      mailer,
      seed: async (database) => {
        const partner = await addPartner(database.db, 'payme@example.com');
        await earn(database.db, partner, 4, '12.5'); // 50,00 €
      },
    });
    ({ browser, origin } = suite);
  });
  afterAll(async () => suite?.close());

  const signIn = (page: Page, email: string) => signInInBrowser(page, origin, email, mailer);

  /** The focused element's id or text, and whether it is on screen (the feedback is where the eye is). */
  const focusSeen = (page: Page): Promise<{ id: string; text: string; onScreen: boolean }> =>
    page.evaluate(`(() => {
      const active = document.activeElement;
      const box = active ? active.getBoundingClientRect() : null;
      return { id: active ? active.id : '', text: active ? active.textContent.trim() : '', onScreen: !!box && box.top >= 0 && box.bottom <= window.innerHeight };
    })()`);

  /** The withdrawal form (the payout method form below it has fields of the same names). */
  const withdrawForm = (page: Page) => page.locator('form.withdraw');

  // The figure whose title is exactly `label` (another figure's help may mention the word).
  const figure = async (page: Page, label: string) =>
    (await page.locator('.figure').filter({ has: page.locator('dt', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).locator('dd').first().textContent())?.replace(/\s/g, ' ');

  it('is asked, approved, paid, and shows paid with the right balance', async () => {
    const partnerContext = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1200, height: 1000 } });
    const partner = await partnerContext.newPage();
    await signIn(partner, 'payme@example.com');
    await partner.goto(`${origin}/partners/earnings`);
    expect(await figure(partner, 'Disponible')).toBe('50,00 €');

    // On a phone. A mistake first: the form says what is wrong, next to the field, which has the
    // focus and is on screen, and keeps what was typed.
    await partner.setViewportSize({ width: 390, height: 844 });
    await withdrawForm(partner).getByLabel('Montant en €').fill('60');
    await withdrawForm(partner).getByLabel('Méthode').selectOption('bank');
    await withdrawForm(partner).getByLabel('Email PayPal ou IBAN').fill('FR76 3000 6000 0112 3456 7890 189');
    await withdrawForm(partner).getByLabel('Titulaire du compte').fill('Jeanne Dupont');
    await partner.getByRole('button', { name: 'Demander le retrait' }).click();
    await partner.waitForSelector('text=Ce montant dépasse ton solde disponible.');
    expect(await withdrawForm(partner).getByLabel('Email PayPal ou IBAN').inputValue()).toBe('FR76 3000 6000 0112 3456 7890 189');
    expect(await focusSeen(partner)).toMatchObject({ id: 'w-amount', onScreen: true });
    expect(await partner.locator('#w-amount-error').isVisible()).toBe(true);
    await partner.screenshot({ path: join(shots, 'withdraw-error.png') });

    await withdrawForm(partner).getByLabel('Montant en €').fill('30,50');
    await partner.getByRole('button', { name: 'Demander le retrait' }).click();
    await partner.waitForSelector('#requested');
    expect(await focusSeen(partner)).toMatchObject({ onScreen: true });
    expect((await focusSeen(partner)).text.replace(/\s+/g, ' ')).toContain('Demande de retrait de 30,50 € enregistrée, vers Virement bancaire · FR76 •••• •••• 0189.');
    await partner.screenshot({ path: join(shots, 'withdraw-requested-phone.png') });
    await partner.setViewportSize({ width: 1200, height: 1000 });
    expect(await figure(partner, 'Retraits en cours')).toBe('30,50 €');
    expect(await figure(partner, 'Disponible')).toBe('19,50 €');
    expect(await partner.locator('ol.withdrawals').textContent()).toContain('FR76 •••• •••• 0189');
    await partner.screenshot({ path: join(shots, 'withdraw-requested.png'), fullPage: true });

    const opsContext = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1300, height: 1000 } });
    const ops = await opsContext.newPage();
    await signIn(ops, 'ops@example.com');
    await ops.goto(`${origin}/admin/withdrawals`);
    await ops.screenshot({ path: join(shots, 'admin-withdrawals.png'), fullPage: true });
    await ops.getByRole('button', { name: 'Approuver' }).click();
    await ops.waitForURL(/status=requested&done=approve/);
    expect((await ops.locator('.ok').textContent())?.replace(/\s/g, ' ')).toBe('Demande de 30,50 € de payme@example.com approuvée.');
    await ops.goto(`${origin}/admin/withdrawals?status=approved`);
    await ops.getByLabel('Référence du paiement').fill('VIR-2026-11-24');
    await ops.getByRole('button', { name: 'Marquer payée', exact: true }).click();
    await ops.waitForURL(/status=approved&done=pay/);
    expect((await ops.locator('.ok').textContent())?.replace(/\s/g, ' ')).toBe('Demande de 30,50 € de payme@example.com payée.');
    await ops.goto(`${origin}/admin/withdrawals?status=paid`);
    expect(await ops.locator('table.list').textContent()).toContain('VIR-2026-11-24');
    await ops.screenshot({ path: join(shots, 'admin-withdrawals-paid.png'), fullPage: true });

    await partner.goto(`${origin}/partners/earnings`);
    expect(await figure(partner, 'Déjà payé')).toBe('30,50 €');
    expect(await figure(partner, 'Retraits en cours')).toBe('0,00 €');
    expect(await figure(partner, 'Disponible')).toBe('19,50 €');
    expect(await figure(partner, 'Gains bruts')).toBe('50,00 €');
    const card = partner.locator('li.withdrawal').first();
    expect(await card.locator('.status').textContent()).toBe('Payée');
    expect((await card.textContent())?.replace(/\s+/g, ' ')).toContain('Référence du paiement : VIR-2026-11-24');
    await partner.screenshot({ path: join(shots, 'withdraw-paid.png'), fullPage: true });
    expect(mailer.sent.filter((m) => m.to === 'payme@example.com').map((m) => m.subject.replace(/[\u00a0\u202f]/g, ' '))).toEqual([
      'Ton lien de connexion Plug & Earn',
      'Demande de retrait de 30,50 € enregistrée',
      'Ta demande de retrait de 30,50 € est approuvée',
      'Ta demande de retrait de 30,50 € est payée',
    ]);
    await partnerContext.close();
    await opsContext.close();
  });
});
