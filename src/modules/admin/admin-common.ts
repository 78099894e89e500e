/** What the back-office pages share: the CSRF field of their forms, status labels, sending a page. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_FIELD } from '../../http/context.js';
import { html, HTML_TYPE, type Html } from '../../http/html.js';
import type { Translate } from '../../i18n/index.js';

export function hidden(request: FastifyRequest): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">`;
}

export function statusLabel(t: Translate, status: string): string {
  return t(`status.${status}` as Parameters<Translate>[0]);
}

export const sendPage = (reply: FastifyReply, page: string, code = 200) => reply.code(code).type(HTML_TYPE).send(page);
