/**
 * What a campaign pays, said from its columns in the page's language: « 0,12 € par clic »,
 * « 8 % des ventes », « 5 € par vente », or several of them (« 0,05 € par clic + 8 % des ventes »).
 * Nothing here is a promise typed by hand: a campaign's terms change, its words follow.
 */
import type { Locale } from '../../config.js';
import type { Translate } from '../../i18n/index.js';
import { formatCents } from '../../lib/money.js';

export interface CampaignPay {
  rateCents: number;
  commissionBp: number;
  commissionFixedCents: number;
}

const percentFormats = new Map<Locale, Intl.NumberFormat>();

/** Basis points as a percentage without its sign, in the page's language: 1250 → « 12,5 ». */
export function formatBpPercent(bp: number, locale: Locale): string {
  let format = percentFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 });
    percentFormats.set(locale, format);
  }
  // Exact: the integer part and the two decimals are read from the integer, never divided as a float.
  return format.format(`${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}` as Intl.StringNumericLiteral);
}

/** Each way the campaign pays, in order: per click, a share of sales, a fixed amount per sale. */
export function payParts(t: Translate, locale: Locale, pay: CampaignPay): string[] {
  const parts: string[] = [];
  if (pay.rateCents > 0) parts.push(t('rev.pay.click', { rate: formatCents(pay.rateCents, locale) }));
  if (pay.commissionBp > 0) parts.push(t('rev.pay.share', { percent: formatBpPercent(pay.commissionBp, locale) }));
  if (pay.commissionFixedCents > 0) parts.push(t('rev.pay.fixed', { amount: formatCents(pay.commissionFixedCents, locale, { wholeEuros: true }) }));
  return parts;
}

/** The whole of it as one line; a campaign paying nothing (none can be saved so) says so. */
export function payText(t: Translate, locale: Locale, pay: CampaignPay): string {
  const parts = payParts(t, locale, pay);
  return parts.length ? parts.join(t('rev.pay.and')) : t('rev.pay.nothing');
}
