import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { addCampaign, BROWSER_UA, countRows } from '../support/fixtures.js';
import { createTestApp, TEST_SECRET, Visitor, type TestApp } from '../support/test-app.js';

const count = (t: TestApp, table: string) => countRows(t.database.db, sql.raw(table));

describe.each(ENGINES)('magic-link sign-in on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'Boss@Example.com, ops@example.com' });
  });
  afterAll(async () => t?.close());

  it('signs a new partner in end to end, opens a session and lands on the portal', async () => {
    const visitor = new Visitor(t.app);
    const landing = await visitor.get('/partners');
    expect(landing.statusCode).toBe(200);
    const asked = await visitor.post('/partner/magic', { email: '  New.Partner@Example.COM ' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Vérifie ta boîte mail');

    const mail = t.mailer.sent.at(-1)!;
    expect(mail.to).toBe('new.partner@example.com');
    expect(mail.subject).toBe('Ton lien de connexion Plug & Earn');
    expect(mail.html).toContain('Me connecter');
    const link = t.mailer.lastLinkTo('new.partner@example.com');
    expect(link.origin).toBe('http://partners.test');
    expect(link.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only the SHA-256 of the token is stored.
    const stored = await queryRows<Record<string, unknown>>(t.database.db, sql`select token_hash from login_tokens`);
    expect(JSON.stringify(stored)).not.toContain(link.searchParams.get('token'));

    const confirm = await visitor.get(link.pathname + link.search);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Confirmer la connexion');
    expect(confirm.headers['referrer-policy']).toBe('no-referrer');

    const signedIn = await visitor.post('/partner/login', { token: link.searchParams.get('token')! });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/partner/portal');
    const sessionCookie = signedIn.cookies.find((c) => c.name === 'pe_session')!;
    expect(sessionCookie.httpOnly).toBe(true);
    expect(sessionCookie.sameSite).toBe('Lax');
    expect(sessionCookie.maxAge).toBeGreaterThan(29 * 24 * 3600);
    expect(sessionCookie.maxAge).toBeLessThanOrEqual(30 * 24 * 3600);
    expect(sessionCookie.secure).toBeFalsy();

    const portal = await visitor.get('/partner/portal');
    expect(portal.statusCode).toBe(200);
    expect(portal.body).toContain('Bienvenue, ne…r@example.com.'); // masked, as in the header
    expect(portal.body).toContain('Se déconnecter');
    const sessions = await queryRows<Record<string, unknown>>(t.database.db, sql`select id_hash from sessions`);
    expect(JSON.stringify(sessions)).not.toContain(sessionCookie.value);
  });

  it('returns a partner to the page that asked them to sign in, and only to a page of this site', async () => {
    const visitor = new Visitor(t.app);
    const refused = await visitor.get('/partners/earnings?lang=fr');
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('name="next" value="/partners/earnings?lang=fr"');
    await visitor.post('/partner/magic', { email: 'back@example.com', next: '/partners/earnings?lang=fr' });
    const link = new URL(/https?:\/\/\S+\/partner\/login\?\S+/.exec(t.mailer.sent.at(-1)!.text)![0]);
    expect(link.searchParams.get('next')).toBe('/partners/earnings?lang=fr');
    const confirm = await visitor.get(link.pathname + link.search);
    expect(confirm.body).toContain('name="next" value="/partners/earnings?lang=fr"');
    const signedIn = await visitor.post('/partner/login', { token: link.searchParams.get('token')!, next: link.searchParams.get('next')! });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/partners/earnings?lang=fr');
    // Anything else lands on the portal: other sites, the sign-in steps, the tracked redirect.
    for (const [index, next] of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/partner/logout', '/r/abcdefghij', '/%2F%2Fevil.example', 'earnings', '/.//evil.example', '/..//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example', '/partners/earnings.csv'].entries()) {
      const other = new Visitor(t.app);
      await other.get('/partners');
      await other.post('/partner/magic', { email: `elsewhere-${index}@example.com`, next });
      const sent = new URL(/https?:\/\/\S+\/partner\/login\?\S+/.exec(t.mailer.sent.at(-1)!.text)![0]);
      await other.get(sent.pathname + sent.search);
      const landed = await other.post('/partner/login', { token: sent.searchParams.get('token')!, next });
      expect(landed.headers.location, next).toBe(next === '/%2F%2Fevil.example' ? '/%2F%2Fevil.example' : '/partner/portal');
    }
  });

  it('answers a known and an unknown email with the same status and page', async () => {
    await new Visitor(t.app).signIn('known@example.com', t.mailer);
    const known = new Visitor(t.app);
    await known.get('/partners');
    const a = await known.post('/partner/magic', { email: 'known@example.com' });
    const unknown = new Visitor(t.app);
    await unknown.get('/partners');
    const b = await unknown.post('/partner/magic', { email: 'never-seen@example.com' });
    expect(a.statusCode).toBe(b.statusCode);
    const strip = (body: string) => body.replace(/value="[^"]*"/g, '').replace(/known@example\.com|never-seen@example\.com/g, 'EMAIL');
    expect(strip(a.body)).toBe(strip(b.body));
    expect(Object.keys(a.headers).sort()).toEqual(Object.keys(b.headers).sort());
  });

  it('refuses bad emails with a clear message and writes nothing', async () => {
    const partnersBefore = await count(t, 'partners');
    const tokensBefore = await count(t, 'login_tokens');
    for (const email of ['', '   ', 'not-an-email', 'a@', '@b.fr', 'x'.repeat(250) + '@example.com', '<script>@x.fr', 'a@b@c.fr']) {
      const visitor = new Visitor(t.app);
      await visitor.get('/partners');
      const response = await visitor.post('/partner/magic', { email });
      expect(response.statusCode, email).toBe(400);
      expect(response.body).toContain('Indique une adresse email valide');
      expect(response.body).not.toContain('<script>@');
    }
    const huge = new Visitor(t.app);
    await huge.get('/partners');
    const tooBig = await huge.post('/partner/magic', { email: 'y'.repeat(70_000) + '@example.com' });
    expect(tooBig.statusCode).toBe(413);
    await huge.get('/partners');
    const missing = await huge.post('/partner/magic', {});
    expect(missing.statusCode).toBe(400);
    expect(await count(t, 'partners')).toBe(partnersBefore);
    expect(await count(t, 'login_tokens')).toBe(tokensBefore);
  });

  it('builds the link from BASE_URL even when the Host header points elsewhere', async () => {
    const visitor = new Visitor(t.app, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'hosty@example.com' });
    const mail = t.mailer.sent.at(-1)!;
    expect(mail.text).toContain('http://partners.test/partner/login?token=');
    expect(mail.text + mail.html).not.toContain('evil.example');
  });

  it('does not consume the token on GET, and refuses a reused token', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'reuse@example.com' });
    const link = t.mailer.lastLinkTo('reuse@example.com');
    for (let i = 0; i < 3; i++) expect((await visitor.get(link.pathname + link.search)).statusCode).toBe(200);
    const first = await visitor.post('/partner/login', { token: link.searchParams.get('token')! });
    expect(first.statusCode).toBe(303);
    const again = await visitor.get(link.pathname + link.search);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('Lien expiré ou déjà utilisé');
    expect(again.body).toContain('action="/partner/magic"');
    const reuse = await visitor.post('/partner/login', { token: link.searchParams.get('token')! });
    expect(reuse.statusCode).toBe(410);
  });

  it('refuses an expired token and a malformed one', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'late@example.com' });
    const link = t.mailer.lastLinkTo('late@example.com');
    await t.database.db.execute(sql`update login_tokens set expires_at = now() - interval '1 second' where used_at is null`);
    expect((await visitor.get(link.pathname + link.search)).statusCode).toBe(410);
    expect((await visitor.post('/partner/login', { token: link.searchParams.get('token')! })).statusCode).toBe(410);
    const sessionsBefore = await count(t, 'sessions');
    for (const token of ['', 'short', 'A'.repeat(43), 'é'.repeat(43), `${'A'.repeat(42)}'`]) {
      const page = await visitor.get(`/partner/login?token=${encodeURIComponent(token)}`);
      expect([400, 410]).toContain(page.statusCode);
      const post = await visitor.post('/partner/login', { token });
      expect([400, 410]).toContain(post.statusCode);
    }
    expect(await count(t, 'sessions')).toBe(sessionsBefore);
  });

  it('gives exactly one session for 20 parallel uses of one token', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'race@example.com' });
    const link = t.mailer.lastLinkTo('race@example.com');
    await visitor.get(link.pathname + link.search);
    const csrf = visitor.csrf();
    const before = await count(t, 'sessions');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        visitor.request({
          method: 'POST',
          url: '/partner/login',
          payload: new URLSearchParams({ _csrf: csrf, token: link.searchParams.get('token')! }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 303)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 410)).toHaveLength(19);
    expect((await count(t, 'sessions')) - before).toBe(1);
  });

  it('gives a forged cookie or the seed’s partner_id cookie nothing', async () => {
    const partnerRow = await queryRows<Record<string, unknown>>(t.database.db, sql`select id from partners limit 1`);
    const partnerId = (partnerRow[0] as { id: string }).id;
    for (const cookie of [`partner_id=${partnerId}`, 'pe_session=forged', `pe_session=${'A'.repeat(43)}`, `pe_session=${partnerId}`]) {
      for (const url of ['/partner/portal', '/partners/earnings']) {
        const response = await t.app.inject({ url, headers: { cookie, accept: 'text/html' } });
        expect(response.statusCode, `${cookie} ${url}`).toBe(401);
        expect(response.body).toContain('Connexion requise');
        expect(response.body).toContain('href="/partners#signin"');
      }
    }
  });

  it('refuses every POST form without a valid CSRF token, changing nothing', async () => {
    const partnersBefore = await count(t, 'partners');
    const signedIn = new Visitor(t.app);
    await signedIn.signIn('csrf@example.com', t.mailer);
    const sessionsBefore = await count(t, 'sessions');
    const fresh = new Visitor(t.app);
    await fresh.get('/partners');
    const cases: Array<[Visitor, string, Record<string, string>]> = [
      [fresh, '/partner/magic', { email: 'nocsrf@example.com', _csrf: '' }],
      [fresh, '/partner/magic', { email: 'nocsrf@example.com', _csrf: 'forged-token' }],
      [new Visitor(t.app), '/partner/magic', { email: 'nocsrf@example.com', _csrf: fresh.csrf() }],
      [signedIn, '/partner/logout', { _csrf: '' }],
      [signedIn, '/partner/logout', { _csrf: fresh.csrf() }],
      [fresh, '/partner/login', { token: 'A'.repeat(43), _csrf: '' }],
    ];
    for (const [visitor, url, fields] of cases) {
      const response = await visitor.post(url, fields);
      expect(response.statusCode, url).toBe(403);
      expect(response.body).toContain('Formulaire expiré');
    }
    expect(t.mailer.sent.some((m) => m.to === 'nocsrf@example.com')).toBe(false);
    expect(await count(t, 'partners')).toBe(partnersBefore + 1);
    expect(await count(t, 'sessions')).toBe(sessionsBefore);
    expect((await signedIn.get('/partner/portal')).statusCode).toBe(200);
  });

  it('signs out: the session ends on the server, the old cookie opens nothing', async () => {
    const visitor = new Visitor(t.app);
    await visitor.signIn('leaving@example.com', t.mailer);
    const oldCookie = visitor.cookies.get('pe_session')!;
    await visitor.get('/partner/portal');
    const out = await visitor.post('/partner/logout', {});
    expect(out.statusCode).toBe(303);
    expect(visitor.cookies.has('pe_session')).toBe(false);
    const replay = await t.app.inject({ url: '/partner/portal', headers: { cookie: `pe_session=${oldCookie}` } });
    expect(replay.statusCode).toBe(401);
  });

  it('gives a new session id at every sign-in and ends the previous one', async () => {
    const visitor = new Visitor(t.app);
    await visitor.signIn('twice@example.com', t.mailer);
    const first = visitor.cookies.get('pe_session')!;
    await visitor.signIn('twice@example.com', t.mailer);
    const second = visitor.cookies.get('pe_session')!;
    expect(second).not.toBe(first);
    expect((await t.app.inject({ url: '/partner/portal', headers: { cookie: `pe_session=${first}` } })).statusCode).toBe(401);
  });

  it('gives the operator role to ADMIN_EMAILS only', async () => {
    const boss = new Visitor(t.app);
    await boss.signIn('boss@example.com', t.mailer);
    expect((await boss.get('/admin')).statusCode).toBe(200);
    expect(boss.lastPage).toContain('Back-office');
    const role = await queryRows<Record<string, unknown>>(t.database.db, sql`select role from partners where email = 'boss@example.com'`);
    expect((role[0] as { role: string }).role).toBe('admin');
    const audit = await queryRows<Record<string, unknown>>(t.database.db, sql`select action, to_state from audit_log where action = 'role_changed'`);
    expect(audit).toContainEqual({ action: 'role_changed', to_state: 'admin' });

    const partner = new Visitor(t.app);
    await partner.signIn('plain@example.com', t.mailer);
    expect((await partner.get('/admin')).statusCode).toBe(403);
    expect((await new Visitor(t.app).get('/admin')).statusCode).toBe(401);
  });

  it('limits sign-in requests per email and per client address with a readable 429', async () => {
    const visitor = new Visitor(t.app, { 'x-forwarded-for': '203.0.113.9' });
    await visitor.get('/partners');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await visitor.post('/partner/magic', { email: 'spam@example.com' })).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[5]).toBe(429);
    expect(visitor.lastPage).toContain('Trop de demandes');
    const sentToSpam = t.mailer.sent.filter((m) => m.to === 'spam@example.com').length;
    expect(sentToSpam).toBe(5);
  });

  it('ends the sessions of a partner who is suspended', async () => {
    const visitor = new Visitor(t.app);
    await visitor.signIn('suspend-me@example.com', t.mailer);
    expect((await visitor.get('/partner/portal')).statusCode).toBe(200);
    await t.database.db.execute(sql`update partners set status = 'suspended' where email = 'suspend-me@example.com'`);
    expect((await visitor.get('/partner/portal')).statusCode).toBe(401);
  });

  it('refuses a suspended partner at sign-in', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'banned@example.com' });
    await t.database.db.execute(sql`update partners set status = 'suspended' where email = 'banned@example.com'`);
    const link = t.mailer.lastLinkTo('banned@example.com');
    await visitor.get(link.pathname + link.search);
    const response = await visitor.post('/partner/login', { token: link.searchParams.get('token')! });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('suspendu');
    expect(visitor.cookies.has('pe_session')).toBe(false);
  });

  it('keeps the app secret out of every page', async () => {
    const page = await new Visitor(t.app).get('/partners');
    expect(page.body).not.toContain(TEST_SECRET);
  });
});

describe('per-address rate limit', () => {
  it('counts requests per client address across emails (TRUST_PROXY honoured)', async () => {
    const t = await createTestApp('pglite', { TRUST_PROXY: 'true' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const visitor = new Visitor(t.app, { 'x-forwarded-for': '198.51.100.7' });
        await visitor.get('/partners');
        statuses.push((await visitor.post('/partner/magic', { email: `p${i}@example.com` })).statusCode);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect(statuses[20]).toBe(429);
      const other = new Visitor(t.app, { 'x-forwarded-for': '198.51.100.8' });
      await other.get('/partners');
      expect((await other.post('/partner/magic', { email: 'other@example.com' })).statusCode).toBe(200);
      const rows = await queryRows<Record<string, unknown>>(t.database.db, sql`select bucket from rate_limit_hits`);
      expect(JSON.stringify(rows)).not.toContain('198.51.100');
    } finally {
      await t.close();
    }
  });
});

describe('https deployment', () => {
  it('uses __Host- cookies with Secure, and HSTS', async () => {
    const t = await createTestApp('pglite', { BASE_URL: 'https://partners.example.com' });
    try {
      const visitor = new Visitor(t.app);
      const landing = await visitor.get('/partners');
      expect(landing.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      const pre = landing.cookies.find((c) => c.name === '__Host-pe_pre')!;
      expect(pre.secure).toBe(true);
      expect(pre.path).toBe('/');
      const response = await visitor.signIn('secure@example.com', t.mailer);
      const session = response.cookies.find((c) => c.name === '__Host-pe_session')!;
      expect(session.secure).toBe(true);
      expect(session.httpOnly).toBe(true);
      expect(session.domain).toBeUndefined();
      expect(t.mailer.lastLinkTo('secure@example.com').origin).toBe('https://partners.example.com');
      // A redirect keeps HSTS among the few headers it carries.
      await addCampaign(t.database.db, '0.12', 'Box bio');
      const links = (await visitor.request({ method: 'GET', url: '/api/me/links' })).json() as Array<{ code: string }>;
      const click = await t.app.inject({ url: `/r/${links[0]!.code}`, headers: { 'user-agent': BROWSER_UA } });
      expect(click.statusCode).toBe(302);
      expect(click.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(click.headers['content-security-policy']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
