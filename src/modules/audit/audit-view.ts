/**
 * The audit log as operators read it: a page of entries of the kind and partner asked for, with
 * the names of what they are about (a campaign's name, a partner's email) read now, so a renamed
 * campaign shows its current name.
 */
import type { Db } from '../../db/client.js';
import { campaignNames } from '../campaigns/campaigns.js';
import { findPartner, partnerContacts, type Partner } from '../partners/partners.js';
import { NotFoundError } from '../../lib/errors.js';
import { listAuditEntries, type AuditKind, type AuditPage } from './audit-log.js';
import { isUuid } from '../../lib/ids.js';

export interface AuditView extends AuditPage {
  /** The partner the log is filtered by; null when the filter named nobody (or was not given). */
  partner: Partner | null;
  /** True when a partner was asked for and none matches: the filter is ignored, and said so. */
  partnerUnknown: boolean;
  campaignNames: Map<string, string>;
  partnerEmails: Map<string, string>;
}

/** `partner`: an email or an id, as typed in the filter. */
export async function readAuditLog(db: Db, filter: { kind: AuditKind | null; partner: string | null }, page: number): Promise<AuditView> {
  const partner = filter.partner
    ? await findPartner(db, filter.partner).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      })
    : null;
  const result = await listAuditEntries(db, { kind: filter.kind, partnerId: partner?.id ?? null }, page);
  const idsOf = (prefix: string) => result.entries.flatMap((e) => (e.subject?.startsWith(prefix) ? [e.subject.slice(prefix.length)] : []));
  const partnerIds = [...idsOf('partner:'), ...result.entries.flatMap((e) => (e.partnerId ? [e.partnerId] : []))];
  const contacts = await partnerContacts(db, partnerIds.filter(isUuid));
  return {
    ...result,
    partner,
    partnerUnknown: filter.partner !== null && partner === null,
    campaignNames: await campaignNames(db, idsOf('campaign:')),
    partnerEmails: new Map([...contacts].map(([id, contact]) => [id, contact.email])),
  };
}
