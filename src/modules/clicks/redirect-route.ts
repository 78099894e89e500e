/**
 * GET /r/:code — resolve the link, record the click (unless HEAD or prefetch), answer 302 to the
 * campaign's stored URL. Never a URL from the request. The click is committed before the 302
 * leaves; if recording fails, the visitor is still redirected and the loss is logged loudly.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { notFound } from '../../http/errors.js';
import { LINK_CODE_FORMAT } from '../campaigns/tracked-links.js';
import { isPrefetch } from './click-rules.js';
import { findLinkTarget, recordClick, type ClickRules } from './click-recorder.js';

export function registerRedirectRoute(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  const rules: ClickRules = {
    secret: config.appSecret,
    dedupeHours: config.clickDedupeHours,
    maxPaidClicksPerDay: config.maxPaidClicksPerDay,
  };

  app.get<{ Params: { code: string } }>('/r/:code', async (request, reply) => {
    const { code } = request.params;
    if (!LINK_CODE_FORMAT.test(code)) throw notFound();
    const link = await findLinkTarget(db, code);
    if (!link) throw notFound();

    if (request.method === 'GET' && !isPrefetch(request.headers)) {
      try {
        await recordClick(
          db,
          link,
          {
            address: request.ip,
            userAgent: request.headers['user-agent'],
            signedInPartnerId: request.auth?.partnerId ?? null,
            now: new Date(),
          },
          rules,
        );
      } catch (error) {
        request.log.error({ err: error, lostClick: { code, partnerId: link.partnerId, at: new Date().toISOString() } }, 'CLICK LOST: could not record a click; the visitor was still redirected');
      }
    }
    return reply.header('cache-control', 'no-store').redirect(link.targetUrl, 302);
  });
}
