import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/app.js';
import { ENGINES } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestApp, testConfig, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('sign-in through a real SMTP server on %s', (engine) => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    const env = { SMTP_URL: sink.url, MAIL_FROM: 'Plug & Earn <hello@partners.test>' };
    t = await createTestApp(engine, env, createMailer(testConfig(env)));
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('delivers a French mail with text and HTML parts, whose link signs the partner in', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/partners');
    expect((await visitor.post('/partner/magic', { email: 'Smtp.User@Example.com' })).statusCode).toBe(200);
    const mail = await sink.waitFor('smtp.user@example.com');
    expect(mail.subject).toBe('Ton lien de connexion Plug & Earn');
    expect(mail.from?.value[0]?.address).toBe('hello@partners.test');
    expect(mail.text).toContain('Voici ton lien pour te connecter');
    expect(mail.html).toContain('Me connecter');
    const link = new URL(/http:\/\/partners\.test\/partner\/login\?token=[\w-]+/.exec(mail.text ?? '')![0]);
    expect(mail.html).toContain(link.href.replace(/&/g, '&amp;'));

    await visitor.get(link.pathname + link.search);
    const signedIn = await visitor.post('/partner/login', { token: link.searchParams.get('token')! });
    expect(signedIn.statusCode).toBe(303);
    expect((await visitor.get('/partner/portal')).body).toContain('Bienvenue, sm…r@example.com.');
  });

  it('writes English mail for an English visitor', async () => {
    const visitor = new Visitor(t.app, { 'accept-language': 'en' });
    await visitor.get('/partners');
    await visitor.post('/partner/magic', { email: 'english@example.com' });
    const mail = await sink.waitFor('english@example.com');
    expect(mail.subject).toBe('Your Plug & Earn sign-in link');
  });
});

describe('mail server down', () => {
  it('says the mail could not leave, without telling whether the account exists', async () => {
    const env = { SMTP_URL: 'smtp://127.0.0.1:1' };
    const t = await createTestApp('pglite', env, createMailer(testConfig(env)));
    try {
      const visitor = new Visitor(t.app);
      await visitor.get('/partners');
      const response = await visitor.post('/partner/magic', { email: 'down@example.com' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('L’email n’a pas pu partir');
    } finally {
      await t.close();
    }
  });
});
