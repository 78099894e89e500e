/**
 * GET /r/:code — resolve the link, record the click (unless HEAD or prefetch), answer 302 to the
 * campaign's stored URL with the click's id appended under the campaign's `click_param`
 * (click-id.ts), so that the shop can report a sale on it. Never a URL from the request. Every
 * recorded click gets its id, counted or not (whether a sale on it earns is the sales code's
 * call); a load not recorded (HEAD, prefetch, a click that could not be) goes to the stored URL
 * alone. A load that is no navigation (an `<img>`
 * or `fetch()` pointing at the link) is recorded, unpaid, and redirected like any other: the same
 * answer on every path, and whatever embedded the link gets the brand's page, not an image. The click is committed (in a group commit
 * with concurrent clicks) before the 302 leaves; if recording fails, the visitor is still
 * redirected and the loss is logged loudly.
 *
 * Most clicks never reach this route: `redirect-fast-path.ts` answers them before Fastify does.
 * This route answers the rest (signed-in visitors, first sight of a code, unknown codes, HEAD,
 * prefetches, `?lang=`), and every request made with `inject`.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { notFound } from '../../http/errors.js';
import { LINK_CODE_FORMAT } from '../campaigns/tracked-links.js';
import { clickIdFor, locationWithClickId, type ClickIdKey } from './click-id.js';
import type { PendingClick, RecordedClick } from './click-recorder.js';
import { isNotNavigation, isPrefetch } from './click-rules.js';
import { BatchOutcomeUnknown, type ClickWriter } from './click-writer.js';
import type { LinkCache } from './link-cache.js';

interface RedirectRouteDependencies {
  links: LinkCache;
  writer: ClickWriter;
  /** The key of the click ids (`Config.clickIdKey`). */
  clickIds: ClickIdKey;
  /** Security headers set on every response that a redirect does without (`redirectHeaders`). */
  documentOnlyHeaders: readonly string[];
}

export function registerRedirectRoute(app: FastifyInstance, { links, writer, clickIds, documentOnlyHeaders }: RedirectRouteDependencies): void {
  // Redirects are not request-logged (two lines per click at info level, thousands a second): the
  // ledger records every click, and failures are still logged, at error level.
  app.get<{ Params: { code: string } }>('/r/:code', { logLevel: 'warn', config: { storesText: false } }, async (request, reply) => {
    const { code } = request.params;
    if (!LINK_CODE_FORMAT.test(code)) throw notFound();
    const link = await links.get(code);
    if (!link) throw notFound();

    let clickId: string | null = null;
    if (request.method === 'GET' && !isPrefetch(request.headers)) {
      const recorded = await recordClickOrLog(writer, request.log, {
        code,
        partnerId: link.partnerId,
        address: request.ip,
        userAgent: request.headers['user-agent'],
        signedInPartnerId: request.auth?.partnerId ?? null,
        notNavigation: isNotNavigation(request.headers),
        now: new Date(),
      });
      if (recorded) clickId = clickIdFor(clickIds, recorded.eventId);
    }
    // The 404 above is a page and keeps every header; the redirect carries those that act on it.
    for (const name of documentOnlyHeaders) reply.raw.removeHeader(name);
    return reply.header('cache-control', 'no-store').redirect(locationWithClickId(link.location, clickId), 302);
  });
}

/**
 * Waits until the click is committed and returns it; a click that cannot be is logged, never
 * thrown, and is null (its visitor is redirected without a click id).
 */
export async function recordClickOrLog(writer: ClickWriter, log: FastifyBaseLogger, click: PendingClick): Promise<RecordedClick | null> {
  try {
    return await writer.record(click);
  } catch (error) {
    const lostClick = { code: click.code, partnerId: click.partnerId, at: click.now.toISOString() };
    if (error instanceof BatchOutcomeUnknown) {
      // Perhaps recorded: whoever reads the logs must not write it again from here.
      log.error({ err: error, lostClick }, 'CLICK OUTCOME UNKNOWN: the click may have been recorded (do not re-record it); the visitor was still redirected');
    } else {
      log.error({ err: error, lostClick }, 'CLICK LOST: could not record a click; the visitor was still redirected');
    }
    return null;
  }
}
