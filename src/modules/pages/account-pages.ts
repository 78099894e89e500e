/**
 * The partner's connected accounts, from the portal: connect a webhook (its secret shown on the
 * answer, once), connect Bluesky with an app password (one login; the password never shown
 * again), connect a Telegram channel (a bot's token) or a Discord webhook (both checked with the
 * network, never written back), start a Mastodon connection (a page with the link to the
 * instance: the content security policy's form-action keeps a form from redirecting off the
 * site), come back from it, remove an account. Each parses, calls one service, renders the portal.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm } from '../../http/forms.js';
import { requirePartner } from '../../http/guards.js';
import { HTML_TYPE } from '../../http/html.js';
import { DomainError } from '../../lib/errors.js';
import { testAccount } from '../publishing/account-check.js';
import { saveAutopilot, type AutopilotForm } from '../publishing/autopilot/autopilot-settings.js';
import { resumeAccount } from '../publishing/autopilot/holds.js';
import type { AccountsForm } from '../publishing/account-views.js';
import { connectAssisted } from '../publishing/assisted-accounts.js';
import type { PublishingDeps } from '../publishing/publications.js';
import { connectBluesky, connectWebhook, finishMastodonConnection, removeAccount, startMastodonConnection } from '../publishing/accounts.js';
import { blueskyClient } from '../publishing/bluesky-adapter.js';
import { connectDiscord, connectTelegram } from '../publishing/bot-accounts.js';
import { discordClient } from '../publishing/discord-adapter.js';
import { mastodonClient } from '../publishing/mastodon-adapter.js';
import { telegramClient } from '../publishing/telegram-adapter.js';

const body = (field: string) =>
  ({ type: 'object', properties: { [field]: { type: 'string', maxLength: 2000 }, [CSRF_FIELD]: { type: 'string' } } }) as const;
/** A form of several text fields and its CSRF token. */
const fields = (...names: string[]) => ({ type: 'object', properties: Object.fromEntries([...names.map((name) => [name, { type: 'string', maxLength: 2000 }]), [CSRF_FIELD, { type: 'string' }]]) }) as const;
const CONNECTED = '/partner/portal?accounts=connected#accounts-done';
const short = { type: 'string', maxLength: 100 } as const;
/** The autopublish form: a checkbox, numbers as typed, the ticked days (one is a string, several an array). */
const AUTOPILOT_BODY = {
  type: 'object',
  properties: {
    enabled: short,
    dailyCap: short,
    startHour: short,
    endHour: short,
    days: { anyOf: [short, { type: 'array', maxItems: 7, items: short }] },
    daysShown: short,
    timeZone: short,
    spacingMinutes: short,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

export function registerAccountRoutes(
  app: FastifyInstance,
  { config, db, publishing, portalPage }: { config: Config; db: Db; publishing: PublishingDeps; portalPage: (request: FastifyRequest, accounts: AccountsForm) => Promise<string> },
): void {
  const mastodon = mastodonClient(config.outboundPolicy);
  const telegram = telegramClient(config.outboundPolicy, { apiUrl: config.telegramApiUrl });
  const discord = discordClient(config.outboundPolicy, { apiUrl: config.discordApiUrl });
  const bluesky = blueskyClient(config.outboundPolicy);

  app.post<{ Body: { url?: string } }>('/partner/accounts/webhook', { schema: { body: body('url') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => connectWebhook(db, config, partner.partnerId, { url: request.body.url }, config.outboundPolicy), {
      // The secret exists only in this answer: shown now, never again (no redirect to lose it).
      done: async ({ secret }) => reply.header('cache-control', 'no-store').type(HTML_TYPE).send(await portalPage(request, { secret })),
      render: (error) => portalPage(request, { error, values: { url: request.body.url } }),
    });
  });

  app.post<{ Body: { handle?: string; appPassword?: string; service?: string } }>('/partner/accounts/bluesky', { schema: { body: fields('handle', 'appPassword', 'service') } }, async (request, reply) => {
    const partner = requirePartner(request);
    const { handle, appPassword, service } = request.body;
    return submitForm(request, reply, () => connectBluesky(db, config, partner.partnerId, { handle, appPassword, service }, bluesky, config.outboundPolicy), {
      done: () => reply.redirect(CONNECTED, 303),
      // The app password is never written back into the page.
      render: (error) => portalPage(request, { error, values: { handle, service } }),
    });
  });

  // A bot's token or a webhook's URL is the credential: never written back into the page.
  app.post<{ Body: { botToken?: string; channel?: string } }>('/partner/accounts/telegram', { schema: { body: fields('botToken', 'channel') } }, async (request, reply) => {
    const partner = requirePartner(request);
    const { botToken, channel } = request.body;
    return submitForm(request, reply, () => connectTelegram(db, config, partner.partnerId, { botToken, channel }, telegram), {
      done: () => reply.redirect(CONNECTED, 303),
      render: (error) => portalPage(request, { error, values: { channel } }),
    });
  });

  app.post<{ Body: { webhookUrl?: string } }>('/partner/accounts/discord', { schema: { body: fields('webhookUrl') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => connectDiscord(db, config, partner.partnerId, { webhookUrl: request.body.webhookUrl }, discord), {
      done: () => reply.redirect(CONNECTED, 303),
      render: (error) => portalPage(request, { error }),
    });
  });

  app.post<{ Body: { instance?: string } }>('/partner/accounts/mastodon', { schema: { body: body('instance') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => startMastodonConnection(db, config, partner.partnerId, { instance: request.body.instance }, mastodon, config.outboundPolicy), {
      done: async ({ authorizeUrl }) => reply.type(HTML_TYPE).send(await portalPage(request, { authorize: { url: authorizeUrl, instance: new URL(authorizeUrl).host } })),
      render: (error) => portalPage(request, { error, values: { instance: request.body.instance } }),
    });
  });

  app.get<{ Querystring: { state?: string; code?: string; error?: string } }>(
    '/partner/accounts/mastodon/callback',
    { schema: { querystring: { type: 'object', properties: { state: { type: 'string', maxLength: 200 }, code: { type: 'string', maxLength: 500 }, error: { type: 'string', maxLength: 200 }, error_description: { type: 'string', maxLength: 2000 } } } } },
    async (request, reply) => {
      const partner = requirePartner(request);
      // The partner said no on their instance: nothing to finish.
      if (request.query.error) return reply.code(409).type(HTML_TYPE).send(await portalPage(request, { error: { field: null, message: request.t('accounts.error.declined') } }));
      try {
        await finishMastodonConnection(db, config, partner.partnerId, { state: request.query.state, code: request.query.code }, mastodon);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status >= 500) throw error;
        // Declined on the instance, expired or already used: said above the section, nothing changed.
        return reply.code(error.status).type(HTML_TYPE).send(await portalPage(request, { error: { field: null, message: request.t(error.messageKey, error.params) } }));
      }
      return reply.redirect('/partner/portal?accounts=connected#accounts-done', 303);
    },
  );

  app.post<{ Body: { network?: string; handle?: string } }>('/partner/accounts/assisted', { schema: { body: fields('network', 'handle') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => connectAssisted(db, partner.partnerId, request.body), {
      done: () => reply.redirect(CONNECTED, 303),
      // The handle field is named apart from Bluesky's in the page.
      render: (error) => portalPage(request, { error: { ...error, field: error.field === 'handle' ? 'assistedHandle' : error.field }, values: { network: request.body.network, assistedHandle: request.body.handle } }),
    });
  });

  app.post<{ Params: { id: string } }>('/partner/accounts/:id/test', { schema: { body: body('unused') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => testAccount(db, publishing, partner.partnerId, request.params.id), {
      done: async ({ label }) => reply.type(HTML_TYPE).send(await portalPage(request, { tested: label })),
      render: (error) => portalPage(request, { error: { ...error, field: null } }),
    });
  });

  app.post<{ Params: { id: string }; Body: AutopilotForm & Record<string, unknown> }>('/partner/accounts/:id/autopilot', { schema: { body: AUTOPILOT_BODY } }, async (request, reply) => {
    const partner = requirePartner(request);
    const { [CSRF_FIELD]: _csrf, ...values } = request.body;
    const accountId = request.params.id;
    return submitForm(request, reply, () => saveAutopilot(db, publishing, partner.partnerId, accountId, values), {
      done: async (saved) => reply.type(HTML_TYPE).send(await portalPage(request, { autopilot: { accountId, saved } })),
      render: (error) => portalPage(request, { autopilot: { accountId, error: { field: error.field, message: error.message }, values } }),
    });
  });

  app.post<{ Params: { id: string } }>('/partner/accounts/:id/resume', { schema: { body: body('unused') } }, async (request, reply) => {
    const partner = requirePartner(request);
    return submitForm(request, reply, () => resumeAccount(db, publishing, partner.partnerId, request.params.id), {
      done: () => reply.redirect('/partner/portal?accounts=resumed#accounts-done', 303),
      render: (error) => portalPage(request, { error: { ...error, field: null } }),
    });
  });

  app.post<{ Params: { id: string } }>('/partner/accounts/:id/remove', { schema: { body: body('unused') } }, async (request, reply) => {
    const partner = requirePartner(request);
    await removeAccount(db, partner.partnerId, request.params.id);
    return reply.redirect('/partner/portal?accounts=removed#accounts-done', 303);
  });
}
