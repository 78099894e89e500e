/** A partner's daily statistics as CSV, straight from the click ledger (the source of truth). */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { reasonCounts } from './daily-stats.js';
import { centsToDecimalString } from '../../lib/money.js';
import type { Locale } from '../../config.js';
import { translator } from '../../i18n/index.js';

/** Quotes a CSV cell, and defuses spreadsheet formulas (=, +, -, @ at the start of a text cell). */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The layout each language's spreadsheet opens without help: French Excel wants `;` and a decimal comma. */
const LAYOUTS = {
  fr: { separator: ';', decimalSeparator: ',', filename: 'plug-and-earn-statistiques.csv' },
  en: { separator: ',', decimalSeparator: '.', filename: 'plug-and-earn-statistics.csv' },
} as const;

export interface Statement {
  filename: string;
  body: string;
}

/** A partner's daily statistics per campaign, in the layout and words of `locale`. */
export async function partnerStatsCsv(db: Db, partnerId: string, locale: Locale): Promise<Statement> {
  const rows = await queryRows<Record<string, string | number>>(
    db,
    sql`select to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day, c.name as campaign,
               count(*)::int8 as clicks,
               count(*) filter (where e.verdict = 'valid')::int8 as valid_clicks,
               coalesce(sum(e.amount_cents), 0)::int8 as earned_cents,
               ${reasonCounts(sql`e.verdict`)}
        from metric_events e join campaigns c on c.id = e.campaign_id
        where e.partner_id = ${partnerId} and e.kind = 'click'
        group by 1, c.name, c.id order by 1, 2`,
  );
  const layout = LAYOUTS[locale];
  const t = translator(locale);
  const header = [t('csv.day'), t('csv.campaign'), t('csv.clicks'), t('csv.validClicks'), t('csv.earned'), ...REFUSAL_REASONS.map((reason) => t(`csv.reason.${reason}`))];
  const lines = rows.map((r) => {
    const euros = centsToDecimalString(Number(r.earned_cents), { decimalSeparator: layout.decimalSeparator });
    return [csvCell(String(r.day)), csvCell(String(r.campaign)), r.clicks, r.valid_clicks, euros, ...REFUSAL_REASONS.map((reason) => r[reason])].join(layout.separator);
  });
  return { filename: layout.filename, body: [header.join(layout.separator), ...lines].join('\r\n') + '\r\n' };
}
