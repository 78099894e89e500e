/**
 * The operator's pause of all publishing of a campaign or of a partner (issue 16), on the
 * campaign's and the partner's pages: the state (« Publication en pause depuis le … ») and one
 * button, confirmed first (confirmation.ts: the first POST says what will be held or released and
 * changes nothing). Each form calls one service of publishing/publishing-pauses.ts; a second pause,
 * or a resume of what is not paused, is shown above the page with nothing changed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { formatDate } from '../../lib/dates.js';
import { InputError } from '../../lib/errors.js';
import type { PublishingDeps } from '../publishing/publications.js';
import { pausePublishing, publishingCounts, resumePublishing, type PauseScope, type ScopeCounts } from '../publishing/publishing-pauses.js';
import { hidden, sendPage as send } from './admin-common.js';
import { confirmationPage, confirmProperty, isConfirmed } from './confirmation.js';

/** What an operator just did, said in the section (`?done=` of the page). */
export const PAUSE_DONE = { publishing_paused: 'opAuto.done.paused', publishing_resumed: 'opAuto.done.resumed' } as const;

export const pauseBody = {
  type: 'object',
  properties: { action: { type: 'string', maxLength: 20 }, ...confirmProperty, [CSRF_FIELD]: { type: 'string' } },
} as const;

/** The campaign or partner paused: by its id, named as the operator knows it, paused or not. */
export type PauseTarget = { kind: 'campaign'; id: string; name: string; pausedAt: Date | null } | { kind: 'partner'; id: string; email: string; pausedAt: Date | null };

const pagePath = (target: PauseTarget) => (target.kind === 'campaign' ? `/admin/campaigns/${target.id}` : `/admin/partners/${target.id}`);
const scopeOf = (target: PauseTarget): PauseScope => (target.kind === 'campaign' ? { campaignId: target.id } : { partnerId: target.id });

/** The section: paused since when, what it holds, and the one button (pause or resume). */
export function pauseSection(request: FastifyRequest, target: PauseTarget, counts: ScopeCounts, done?: string): Html {
  const { t, locale } = request;
  const doneKey = done && Object.hasOwn(PAUSE_DONE, done) ? PAUSE_DONE[done as keyof typeof PAUSE_DONE] : null;
  const paused = target.pausedAt !== null;
  return html`<section class="card publishing-pause${paused ? ' paused' : ''}" id="publishing" aria-labelledby="publishing-title">
<h2 id="publishing-title">${t('opAuto.pause.title')}</h2>
${doneKey ? html`<p class="ok" role="status">${t(doneKey)}</p>` : ''}
${paused
  ? html`<p class="notice"><strong>${t('opAuto.pause.pausedSince', { date: formatDate(target.pausedAt!, locale, { time: true }) })}</strong> ${t(`opAuto.pause.${target.kind}.paused`)}</p>
<p>${t('opAuto.pause.counts', { waiting: counts.waiting, held: counts.held })}</p>`
  : html`<p class="help">${t(`opAuto.pause.${target.kind}.help`)}</p>`}
<form method="post" action="${pagePath(target)}/publishing" class="inline">${hidden(request)}<input type="hidden" name="action" value="${paused ? 'resume' : 'pause'}"><button type="submit"${paused ? '' : html` class="secondary"`}>${paused ? t('opAuto.resume.button') : t('opAuto.pause.button')}</button></form>
</section>`;
}

/** What the section needs besides the target: the counts of its publications. */
export const pauseCounts = (db: Db, target: PauseTarget): Promise<ScopeCounts> => publishingCounts(db, scopeOf(target));

/**
 * The section's POST: `action` pause or resume. Unconfirmed, and when the state allows it, the
 * confirmation page; confirmed, the service, then the page again with its done message. `render`
 * shows the page with a refusal above it.
 */
export async function answerPauseForm(
  request: FastifyRequest<{ Body: { action?: string } }>,
  reply: FastifyReply,
  { db, publishing, target, render }: { db: Db; publishing: PublishingDeps; target: PauseTarget; render: (error: FormError) => Promise<string> },
): Promise<FastifyReply> {
  const actor = operatorActor(request);
  const action = request.body.action;
  const scope = scopeOf(target);
  const back = pagePath(target);
  // Pausing what is paused (or resuming what is not) goes straight to the service, which refuses it.
  const changes = (action === 'pause' && target.pausedAt === null) || (action === 'resume' && target.pausedAt !== null);
  if (changes && !isConfirmed(request.body)) {
    const { t } = request;
    const counts = await publishingCounts(db, scope);
    const named: Record<string, string> = target.kind === 'campaign' ? { name: target.name } : { email: target.email };
    return send(reply, confirmationPage(request, action === 'pause'
      ? {
          title: t(`confirm.pause.${target.kind}.title`, named),
          effects: [t(`confirm.pause.${target.kind}.effect`), t('confirm.pause.waiting', { n: counts.waiting }), t('confirm.pause.clicks')],
          action: `${back}/publishing`,
          fields: { action },
          confirmLabel: t('confirm.pause.button'),
          back: `${back}#publishing`,
        }
      : {
          title: t(`confirm.resume.${target.kind}.title`, named),
          effects: [t('confirm.resume.held', { n: counts.held }), t('confirm.resume.other')],
          action: `${back}/publishing`,
          fields: { action: 'resume' },
          confirmLabel: t('confirm.resume.button'),
          back: `${back}#publishing`,
        }));
  }
  return submitForm(
    request,
    reply,
    async () => {
      if (action === 'pause') return (await pausePublishing(db, scope, actor), 'publishing_paused' as const);
      if (action === 'resume') return (await resumePublishing(db, publishing, scope, actor), 'publishing_resumed' as const);
      throw new InputError('action', 'opAuto.error.action');
    },
    {
      done: (what) => reply.redirect(`${back}?done=${what}#publishing`, 303),
      render: (error) => render({ ...error, field: null }),
    },
  );
}
