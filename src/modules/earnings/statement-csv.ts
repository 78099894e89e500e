/** A partner's daily statistics as CSV, straight from the click ledger (the source of truth). */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { reasonCounts } from './daily-stats.js';
import { centsToDecimalString } from '../../lib/money.js';

/** Quotes a CSV cell, and defuses spreadsheet formulas (=, +, -, @ at the start of a text cell). */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export async function partnerStatsCsv(db: Db, partnerId: string): Promise<string> {
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
  const header = ['day', 'campaign', 'clicks', 'valid_clicks', 'earned_eur', ...REFUSAL_REASONS];
  const lines = rows.map((r) => {
    const euros = centsToDecimalString(Number(r.earned_cents));
    return [csvCell(String(r.day)), csvCell(String(r.campaign)), r.clicks, r.valid_clicks, euros, ...REFUSAL_REASONS.map((reason) => r[reason])].join(',');
  });
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
