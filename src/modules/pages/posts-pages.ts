/**
 * The partner's posts: `/partner/posts` and the decisions on each publication (approve with a
 * light edit, decline, « it is out » with its address, publish again). Each parses, calls one
 * service, and answers with a redirect to the page (saying what was done) or the page again with
 * the refusal on the publication's card.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { requirePartner } from '../../http/guards.js';
import { HTML_TYPE } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { approvePublication, confirmPublished, declinePublication, partnerPosts, publishAgain, type PublishingDeps } from '../publishing/publications.js';
import { cancelScheduled, editScheduled, rescheduleScheduled } from '../publishing/autopilot/veto.js';
import { partnerPublicationImage, publicationImageAlts } from '../publishing/post-images.js';
import { POSTS_DONE, postsBody, type PostsDone, type PostsForm } from '../publishing/posts-views.js';

const body = { type: 'object', properties: { text: { type: 'string', maxLength: 20000 }, url: { type: 'string', maxLength: 4000 }, at: { type: 'string', maxLength: 100 }, [CSRF_FIELD]: { type: 'string' } } } as const;

/** Each decision, and what the page then says was done. */
type Decision = (db: Db, deps: PublishingDeps, partnerId: string, id: string, input: { text?: string; url?: string; at?: string }) => Promise<PostsDone>;

const DECISIONS: Record<string, Decision> = {
  // A post shared by hand, once approved, waits on the page to be shared.
  approve: async (db, deps, partnerId, id, input) => ((await approvePublication(db, deps, partnerId, id, { text: input.text })).handShared ? 'shared' : 'approved'),
  decline: async (db, _deps, partnerId, id) => (await declinePublication(db, partnerId, id), 'declined'),
  published: async (db, _deps, partnerId, id, input) => (await confirmPublished(db, partnerId, id, { url: input.url }), 'confirmed'),
  again: async (db, deps, partnerId, id) => (await publishAgain(db, deps, partnerId, id), 'again'),
  // The autopilot's scheduled ones, until claimed (the veto window).
  cancel: async (db, _deps, partnerId, id) => (await cancelScheduled(db, partnerId, id), 'cancelled'),
  edit: async (db, deps, partnerId, id, input) => (await editScheduled(db, deps, partnerId, id, { text: input.text }), 'edited'),
  reschedule: async (db, deps, partnerId, id, input) => (await rescheduleScheduled(db, deps, partnerId, id, { at: input.at }), 'rescheduled'),
};

export function registerPostsPages(app: FastifyInstance, { db, publishing }: { db: Db; publishing: PublishingDeps }): void {
  async function postsPage(request: FastifyRequest, form: PostsForm = {}): Promise<string> {
    const partner = requirePartner(request);
    const data = await partnerPosts(db, publishing, partner.partnerId);
    const shown = [...data.pending, ...data.scheduled, ...data.toCheck, ...data.failed, ...data.inProgress, ...data.published];
    const images = await publicationImageAlts(db, shown.map((publication) => ({ ...publication, network: publication.account.network })));
    return renderPage(request, { title: request.t('posts.title'), body: postsBody(request, { ...data, images }, form) });
  }

  app.get<{ Querystring: { done?: string } }>('/partner/posts', async (request, reply) => {
    requirePartner(request);
    const done = (POSTS_DONE as readonly string[]).includes(request.query.done ?? '') ? (request.query.done as PostsDone) : undefined;
    return reply.type(HTML_TYPE).header('cache-control', 'no-store').send(await postsPage(request, { done }));
  });

  // The partner's own publication's image, as it goes out; anyone else's is not found.
  app.get<{ Params: { id: string } }>('/partner/posts/:id/image', async (request, reply) => {
    const partner = requirePartner(request);
    const image = await partnerPublicationImage(db, partner.partnerId, request.params.id);
    return reply.type(image.mime).header('cache-control', 'private, max-age=300').send(image.data);
  });

  app.post<{ Params: { id: string; decision: string }; Body: { text?: string; url?: string; at?: string } }>('/partner/posts/:id/:decision', { schema: { body } }, async (request, reply: FastifyReply) => {
    const partner = requirePartner(request);
    const decision = Object.hasOwn(DECISIONS, request.params.decision) ? DECISIONS[request.params.decision]! : null;
    if (!decision) return reply.callNotFound();
    return submitForm(request, reply, () => decision(db, publishing, partner.partnerId, request.params.id, request.body), {
      done: (done) => reply.redirect(`/partner/posts?done=${done}#posts-done`, 303),
      render: (error: FormError) => postsPage(request, { error: { publicationId: request.params.id, field: error.field, message: error.message, text: request.body.text, url: request.body.url, at: request.body.at } }),
    });
  });
}
