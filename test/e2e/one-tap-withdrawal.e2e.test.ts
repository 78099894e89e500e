/**
 * On a 390 px phone: a partner saves a payout method, confirms it from the emailed link, then
 * withdraws everything in one tap; each message is on screen and focused, nothing overflows.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { addPartner, earn } from '../support/fixtures.js';
import { CapturingMailer } from '../support/test-app.js';

const EMAIL = 'onetap.phone@example.com';

describe('a one-tap withdrawal on a phone', () => {
  const mailer = new CapturingMailer();
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({
      mailer,
      seed: async (database) => {
        const partner = await addPartner(database.db, EMAIL);
        await earn(database.db, partner, 4, '12.5'); // 50,00 €
      },
    });
  });
  afterAll(async () => suite?.close());

  /** The focused element's text, whether it is on screen, and the page's horizontal overflow. */
  const seen = (page: Page): Promise<{ text: string; onScreen: boolean; overflow: number }> =>
    page.evaluate(`(() => {
      const active = document.activeElement;
      const box = active ? active.getBoundingClientRect() : null;
      return {
        text: active ? active.textContent.replace(/\\s+/g, ' ').trim() : '',
        onScreen: !!box && box.top >= 0 && box.bottom <= window.innerHeight,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    })()`);

  it('saves a method through its emailed link, then withdraws everything with one tap', async () => {
    const context = await suite.browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signInInBrowser(page, suite.origin, EMAIL, mailer);
    await page.goto(`${suite.origin}/partners/earnings`);
    expect((await seen(page)).overflow).toBe(0);

    // Save a PayPal address: a link goes to the partner's email; nothing changes until it is used.
    await page.getByText('Enregistrer un moyen de paiement pour retirer en un geste').click();
    await page.locator('#pm-method').selectOption('paypal');
    await page.locator('#pm-details').fill('Onetap.Phone@example.com');
    expect(await page.locator('#pm-holder').isVisible()).toBe(false); // PayPal needs no holder (app.js)
    await page.getByRole('button', { name: 'Recevoir le lien de confirmation' }).click();
    await page.waitForURL(/method=sent/);
    const sent = await seen(page);
    expect(sent.text).toContain('Lien de confirmation envoyé à on…e@example.com.');
    expect(sent.onScreen).toBe(true);
    expect(await page.locator('#payout-method-pending').textContent()).toContain('PayPal · on…e@example.com');

    // The emailed link shows a button; its press confirms.
    const mail = mailer.sent.findLast((m) => m.to === EMAIL && m.subject === 'Confirme ton nouveau moyen de paiement')!;
    const link = /https?:\/\/\S+\/partners\/payout-method\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text)![0];
    await page.goto(link);
    expect(await page.locator('main').textContent()).toContain('PayPal · on…e@example.com');
    expect((await seen(page)).overflow).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'payout-method-confirm-phone.png') });
    await page.getByRole('button', { name: 'Confirmer ce moyen de paiement' }).click();
    await page.waitForURL(/method=confirmed/);
    const confirmed = await seen(page);
    expect(confirmed.text).toBe('Moyen de paiement confirmé : tes retraits seront versés sur PayPal · on…e@example.com.');
    expect(confirmed.onScreen).toBe(true);

    // One tap: no method nor details to type, the button says how much.
    expect(await page.locator('#w-details').count()).toBe(0);
    expect(await page.locator('.payout-to').textContent()).toContain('PayPal · on…e@example.com');
    await page.screenshot({ path: join(SCREENSHOTS, 'one-tap-phone.png'), fullPage: true });
    await page.getByRole('button', { name: /^Tout retirer \(50,00\s€\)$/ }).click();
    await page.waitForURL(/requested=[0-9a-f-]{36}/);
    const requested = await seen(page);
    expect(requested.text).toContain('Demande de retrait de 50,00 € enregistrée, vers PayPal · on…e@example.com.');
    expect(requested.onScreen).toBe(true);
    expect(requested.overflow).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'one-tap-requested-phone.png') });

    // The card: amount, status, destination masked, the dated first step.
    const card = page.locator('li.withdrawal').first();
    expect((await card.locator('.withdrawal-amount').textContent())?.replace(/\s/g, ' ')).toBe('50,00 €');
    expect(await card.locator('.status').textContent()).toBe('Demandée');
    expect(await card.textContent()).toContain('PayPal · on…e@example.com');
    expect(await card.locator('.step-requested time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const cardBox = (await card.boundingBox())!;
    expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(390);
    expect(mailer.sent.filter((m) => m.to === EMAIL).map((m) => m.subject.replace(/[\u00a0\u202f]/g, ' '))).toEqual([
      'Ton lien de connexion Plug & Earn',
      'Confirme ton nouveau moyen de paiement',
      'Demande de retrait de 50,00 € enregistrée',
    ]);
    await context.close();
  });
});
