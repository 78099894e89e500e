import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const text = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');

describe('public pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it('serves the landing in French with the promised rate and threshold from settings', async () => {
    const response = await t.app.inject({ url: '/partners' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = text(response.body);
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('Plug &amp; Earn — Deviens partenaire');
    expect(body).toContain('Connecte tes comptes. Valide nos posts. Gagne <strong>jusqu&#39;à 0,12 €/clic</strong>');
    expect(body).toContain('Zéro création de contenu');
    expect(body).toContain('Cap anti-spam &amp; contrôle manuel');
    expect(body).toContain('Paiement dès 10 € — PayPal, virement bancaire');
    expect(body).toMatch(/<label for="signin-email">Ton adresse email<\/label>/);
    expect(body).toContain('action="/partner/magic"');
    expect(body).toContain('href="/partners/leaderboard"');
    expect(body).toContain('href="/partners/faq"');
    // In French, URLs staying the seed's.
    for (const label of ['Partenaires', 'Classement', 'Mes gains']) expect(body).toContain(`>${label}</a></li>`);
    expect(body).not.toMatch(/>(Partners|Leaderboard|Earnings)</);
    expect(body).toContain('Se connecter');
    expect(body).toContain('aria-current="page"');
  });

  it('follows the settings: another rate, threshold and methods', async () => {
    const other = await createTestApp('pglite', { DEFAULT_EPC_EUR: '0.2', PAYOUT_MIN_EUR: '25,5', PAYOUT_METHODS: ' bank ' });
    try {
      const body = text((await other.app.inject({ url: '/partners' })).body);
      expect(body).toContain('jusqu&#39;à 0,20 €/clic');
      expect(body).toContain('Paiement dès 25,50 € — virement bancaire');
      expect(body).not.toContain('PayPal');
      const faq = text((await other.app.inject({ url: '/partners/faq' })).body);
      expect(faq).toContain('Seuil : 25,50 €. Méthodes : virement bancaire.');
    } finally {
      await other.close();
    }
  });

  it('speaks English by Accept-Language, and by the visible switch kept in a cookie', async () => {
    const byHeader = await t.app.inject({ url: '/partners', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(byHeader.body).toContain('<html lang="en">');
    expect(byHeader.body).toContain('Become a partner');
    expect(text(byHeader.body)).toContain('up to €0.12 per click');

    const visitor = new Visitor(t.app, { 'accept-language': 'fr-FR' });
    const french = await visitor.get('/partners');
    expect(french.body).toContain('href="?lang=en"');
    // The switch never takes the path from the request: `//elsewhere` must not become a link.
    const tricky = await visitor.get('/.//evil.example?days=7');
    expect(tricky.body).not.toContain('href="//evil.example');
    expect(tricky.body).toContain('href="?days=7&amp;lang=en"');
    const switched = await visitor.get('/partners?lang=en');
    expect(switched.body).toContain('Become a partner');
    const kept = await visitor.get('/partners/faq');
    expect(kept.body).toContain('Partner FAQ');
    const back = await visitor.get('/partners/faq?lang=fr');
    expect(back.body).toContain('FAQ Partenaires');
  });

  it('serves the seed’s FAQ', async () => {
    const body = text((await t.app.inject({ url: '/partners/faq' })).body);
    for (const question of ['Comment je gagne de l’argent ?', 'Contrôle de ce qui est posté ?', 'Ban / sécurité ?', 'Paiement']) {
      expect(body).toContain(`<summary>${question}</summary>`);
    }
    expect(body).toContain('Seuil : 10 €. Méthodes : PayPal, virement bancaire.');
    expect(body).toContain('href="/partners/earnings"');
  });

  it('validates the leaderboard’s days (1 to 90)', async () => {
    for (const days of ['', '?days=1', '?days=7', '?days=90']) {
      const response = await t.app.inject({ url: `/partners/leaderboard${days}` });
      expect(response.statusCode, days).toBe(200);
      expect(response.body).toContain('Aucun clic récent.');
    }
    for (const days of ['0', '-1', '91', 'abc', '1e9', '7.5', '', '99999999999999999999']) {
      const response = await t.app.inject({ url: `/partners/leaderboard?days=${days}` });
      expect(response.statusCode, days).toBe(400);
      expect(response.body).toContain('nombre entier de 1 à 90');
    }
    // A NUL is refused by the rule for every text input, before the page's own.
    const nul = await t.app.inject({ url: '/partners/leaderboard?days=%00' });
    expect(nul.statusCode).toBe(400);
    expect(nul.body).toContain('Le champ « days » contient un caractère de contrôle (U+0000)');
  });

  it('puts security headers on every response', async () => {
    for (const url of ['/partners', '/healthz', '/no-such-page', '/assets/app.css']) {
      const response = await t.app.inject({ url });
      expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['referrer-policy'], url).toBe('strict-origin-when-cross-origin');
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['strict-transport-security'], url).toBeUndefined();
    }
    expect((await t.app.inject({ url: '/partners' })).headers['cache-control']).toBe('no-store');
  });

  it('answers unknown pages with a readable 404, and JSON under /api', async () => {
    const page = await t.app.inject({ url: '/nowhere', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page introuvable');
    const api = await t.app.inject({ url: '/api/nowhere' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'not_found', message: 'Cette page n’existe pas.' });
    expect((await t.app.inject({ url: '/assets/../package.json' })).statusCode).toBe(404);
  });

  it('redirects / to the landing', async () => {
    const response = await t.app.inject({ url: '/' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/partners');
  });

  it('asks for sign-in on partner pages and the back-office', async () => {
    for (const url of ['/partner/portal', '/partners/earnings', '/admin']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(401);
      expect(response.body).toContain('Connexion requise');
      expect(response.body).toContain('action="/partner/magic"');
    }
  });

  it('shows signed-in pages with the sign-in state in the navigation', async () => {
    const visitor = new Visitor(t.app);
    await visitor.signIn('pages@example.com', t.mailer);
    const portal = await visitor.get('/partner/portal');
    expect(portal.body).toContain('Connecté : pa…s@example.com');
    expect(portal.body).toContain('Aucune campagne active pour le moment.');
    const earnings = await visitor.get('/partners/earnings');
    expect(earnings.statusCode).toBe(200);
    expect(earnings.body).toContain('Compte : pa…s@example.com');
    await visitor.get('/partner/portal');
    const out = await visitor.post('/partner/logout', {});
    expect(out.headers.location).toBe('/partners?signed_out=1');
    expect((await visitor.get('/partners?signed_out=1')).body).toContain('Tu es déconnecté.');
  });
});

describe('health', () => {
  it('reports the database status, and 503 when it is gone', async () => {
    const t = await createTestApp('pglite');
    const ok = await t.app.inject({ url: '/healthz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', database: { engine: 'pglite', status: 'ok' } });
    await t.database.close();
    const down = await t.app.inject({ url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', database: { engine: 'pglite', status: 'unreachable' } });
    await t.app.close();
  });
});
