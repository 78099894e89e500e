/**
 * The autopilot over HTTP: the portal's « Autopublication » block on an automated account (none on
 * a hand-shared one); each bad setting refused next to its field with what was typed kept and
 * nothing saved; saved, the posts page lists the scheduled post with its time in the partner's
 * zone; moving it outside the hours is refused on its card; moved, edited and cancelled through
 * the page; someone else's scheduled post is a 404; turning it off says how many came back.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { instantToWall } from '../../src/modules/publishing/autopilot/schedule.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, countRows, operator } from '../support/fixtures.js';
import { serveOnLoopback } from '../support/loopback-server.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const decode = (text: string) => text.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

describe.each(ENGINES)('the autopilot over HTTP on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;
  let hook: Awaited<ReturnType<typeof serveOnLoopback>>;
  let accountId: string;
  const ALL_DAYS = ['1', '2', '3', '4', '5', '6', '7'];
  const settings = (change: Record<string, string | string[]> = {}) => ({ enabled: 'on', dailyCap: '2', startHour: '9', endHour: '21', days: ALL_DAYS, daysShown: '1', timeZone: 'Europe/Paris', spacingMinutes: '180', ...change });

  beforeAll(async () => {
    hook = await serveOnLoopback((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"hook-1"}'));
    t = await createTestApp(engine, { PUBLISHING_ALLOW_LOOPBACK: 'true' });
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    const campaign = await addCampaign(t.database.db, '0.30', 'Box bio');
    await createTemplate(t.database.db, t.config, campaign.id, { locale: 'fr', texts: 'Ma box bio du mois : {link} #bio\n---\nLa box bio, je recommande : {link}' }, operator);
    await createTemplate(t.database.db, t.config, campaign.id, { locale: 'fr', texts: 'Encore une box : {link}' }, operator);
    await lina.get('/partner/portal');
    expect((await lina.post('/partner/accounts/webhook', { url: `${hook.origin}/pe` })).statusCode).toBe(200);
    await lina.post('/partner/accounts/assisted', { network: 'x', handle: '@lina_bio' });
    accountId = (await queryRows<{ id: string }>(t.database.db, sql`select id from connected_accounts where network = 'webhook'`))[0]!.id;
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it('shows the block on an automated account only, and refuses each bad setting next to its field', async () => {
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toContain(`action="/partner/accounts/${accountId}/autopilot"`);
    expect((portal.body.match(/class="autopilot"/g) ?? []).length).toBe(1);
    expect(decode(portal.body)).toContain('Autopublication · <span class="status status-autopilot-off">désactivée');

    const cases: Array<[Record<string, string | string[]>, string, string]> = [
      [{ dailyCap: '0' }, 'dailyCap', 'Le plafond par jour doit être un nombre entier entre 1 et 24.'],
      [{ dailyCap: '99' }, 'dailyCap', 'entre 1 et 24'],
      [{ startHour: '21', endHour: '9' }, 'endHour', 'La plage horaire est inversée'],
      [{ startHour: '25' }, 'startHour', 'L’heure doit être un nombre entier entre 0 et 23.'],
      [{ timeZone: 'Europe/Lutece' }, 'timeZone', 'Fuseau horaire inconnu : « Europe/Lutece »'],
      [{ spacingMinutes: '15' }, 'spacingMinutes', 'L’écart entre deux publications doit être un nombre entier de minutes entre 60 et'],
      [{ days: [] }, 'days', 'Choisis au moins un jour'],
    ];
    for (const [change, field, message] of cases) {
      await lina.get('/partner/portal');
      const refused = await lina.post(`/partner/accounts/${accountId}/autopilot`, settings(change));
      expect(refused.statusCode, field).toBe(400);
      expect(decode(refused.body)).toContain(message);
      // Next to its field (a group of boxes for the days, described by the refusal).
      expect(refused.body).toMatch(field === 'days' ? new RegExp(`id="ap-${accountId}-days" aria-describedby="ap-${accountId}-days-error"`) : new RegExp(`id="ap-${accountId}-${field}"[^>]*aria-invalid="true"`));
      expect(refused.body).toContain(`id="ap-${accountId}-${field}-error"`);
      // Open, with what was typed.
      expect(refused.body).toContain('<details class="autopilot" open>');
    }
    const typed = await lina.post(`/partner/accounts/${accountId}/autopilot`, settings({ timeZone: 'Europe/Lutece' }));
    expect(typed.body).toMatch(/name="timeZone"[^>]*value="Europe\/Lutece"/);
    expect(await countRows(t.database.db, sql`autopilot_settings`)).toBe(0);
    expect(await countRows(t.database.db, sql`publications where state = 'scheduled'`)).toBe(0);
    // An unknown or foreign account: not found.
    await lina.get('/partner/portal');
    expect((await lina.post('/partner/accounts/00000000-0000-4000-8000-000000000000/autopilot', settings())).statusCode).toBe(404);
  });

  it('schedules the posts when saved, and the posts page lists them with their time, to move, edit or cancel', async () => {
    await lina.get('/partner/portal');
    const saved = await lina.post(`/partner/accounts/${accountId}/autopilot`, settings());
    expect(saved.statusCode).toBe(200);
    expect(decode(saved.body)).toContain('Autopublication enregistrée : 2 posts programmés.');
    expect(decode(saved.body)).toContain('activée, 2 par jour au plus, de 9\u00a0h à 21\u00a0h');

    const page = await lina.get('/partner/posts');
    expect(decode(page.body)).toContain('Programmés par l’autopublication <span class="count">(2)</span>');
    const scheduled = await queryRows<{ id: string; scheduled_at: Date | string }>(t.database.db, sql`select id, scheduled_at from publications where state = 'scheduled' order by scheduled_at`);
    expect(scheduled).toHaveLength(2);
    const [first, second] = scheduled.map((row) => ({ id: row.id, at: new Date(row.scheduled_at) }));
    expect(page.body).toContain(`value="${instantToWall(first!.at, 'Europe/Paris')}"`);

    // Outside the hours: refused on its card, the typed time kept.
    const night = `${instantToWall(first!.at, 'Europe/Paris').slice(0, 10)}T23:30`;
    const refused = await lina.post(`/partner/posts/${first!.id}/reschedule`, { at: night });
    expect(refused.statusCode).toBe(400);
    expect(decode(refused.body)).toContain('Ce moment est hors de tes jours ou de tes heures de publication');
    expect(refused.body).toMatch(new RegExp(`id="at-${first!.id}"[^>]*value="${night}"[^>]*aria-invalid="true"`));

    // Moved three days later at 10:00 (kept apart from the other), edited, then the other cancelled.
    const later = new Date(Math.max(first!.at.getTime(), second!.at.getTime()) + 3 * 86_400_000);
    const target = `${instantToWall(later, 'Europe/Paris').slice(0, 10)}T10:00`;
    await lina.get('/partner/posts');
    const moved = await lina.post(`/partner/posts/${first!.id}/reschedule`, { at: target });
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe('/partner/posts?done=rescheduled#posts-done');
    const [row] = await queryRows<{ scheduled_at: Date | string; text: string }>(t.database.db, sql`select scheduled_at, text from publications where id = ${first!.id}`);
    expect(instantToWall(new Date(row!.scheduled_at), 'Europe/Paris')).toBe(target);
    await lina.get('/partner/posts');
    expect((await lina.post(`/partner/posts/${first!.id}/edit`, { text: `${row!.text} 🌱` })).statusCode).toBe(303);
    await lina.get('/partner/posts');
    expect((await lina.post(`/partner/posts/${second!.id}/cancel`, {})).statusCode).toBe(303);
    const after = await lina.get('/partner/posts?done=cancelled');
    expect(decode(after.body)).toContain('Post annulé : il ne partira pas.');
    expect(decode(after.body)).toContain('Programmés par l’autopublication <span class="count">(1)</span>');
    expect(decode(after.body)).toContain('🌱');

    // Someone else: not found; and nothing of Lina's changes.
    const nadia = new Visitor(t.app);
    await nadia.signIn('nadia@example.com', t.mailer);
    await nadia.get('/partner/posts');
    expect((await nadia.post(`/partner/posts/${first!.id}/cancel`, {})).statusCode).toBe(404);
    expect(await countRows(t.database.db, sql`publications where id = ${first!.id} and state = 'scheduled'`)).toBe(1);
  });

  it('turns it off: what was scheduled returns to the review queue, and the page says so', async () => {
    await lina.get('/partner/portal');
    const off = await lina.post(`/partner/accounts/${accountId}/autopilot`, { timeZone: 'Europe/Paris', daysShown: '1' });
    expect(off.statusCode).toBe(200);
    expect(decode(off.body)).toContain('Autopublication désactivée : 1 post programmé revient dans tes posts à valider.');
    expect(await countRows(t.database.db, sql`publications where state = 'scheduled'`)).toBe(0);
    const page = await lina.get('/partner/posts');
    expect(page.body).not.toContain('Programmés par l’autopublication');
  });
});
