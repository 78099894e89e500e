/**
 * An operator's import of sales from a CSV (sales-csv.ts reads it), in two steps:
 *
 * - the preview says, line by line, what importing would do — recorded and attributed with its
 *   commission, recorded without commission and why, refused and why, already recorded — by doing
 *   exactly that (each line through sales.ts `recordSale`, source 'csv') inside one transaction
 *   that is then rolled back: nothing is written, and the preview cannot disagree with the import
 *   about any rule. While it runs (a few seconds for 5,000 lines) it holds that transaction.
 * - the import records each line the same way, each on its own (idempotent per order: importing
 *   the same file twice records nothing more, and says so), then audits what it did.
 *
 * A file that cannot be read (no header, an unclosed quote, a line of the wrong width, not UTF-8,
 * too long) is refused whole, naming its line, before any line is looked at.
 */
import type { Db } from '../../db/client.js';
import { DomainError, InputError, type MessageParams } from '../../lib/errors.js';
import type { MessageKey } from '../../i18n/index.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { getCampaign } from '../campaigns/campaigns.js';
import { recordSale, type Sale, type SalesDeps } from './sales.js';
import { csvAmount, csvDate, decodeCsv, parseSalesCsv, type CsvSaleLine } from './sales-csv.js';

export type ImportLineStatus = 'attributed' | 'no_commission' | 'refused' | 'already';
export const IMPORT_STATUSES: readonly ImportLineStatus[] = ['attributed', 'no_commission', 'refused', 'already'];

export interface ImportLine {
  line: number;
  orderId: string;
  clickId: string;
  amount: string;
  status: ImportLineStatus;
  /** The sale's amount and commission, in cents (null when refused). */
  amountCents: number | null;
  commissionCents: number;
  /** Why it earns nothing: the sale's attribution (no_click, outside_window, invalid_click, own_click, or attributed when the campaign pays nothing per sale). */
  attribution: Sale['attribution'] | null;
  /** A click that did not count: its verdict (bot, duplicate…). */
  clickVerdict: string | null;
  /** Why it is refused: a message and its parameters, the column at fault. */
  refusal: { messageKey: MessageKey; params: MessageParams; field: string | null } | null;
  /** An order already recorded by an earlier line of this same file. */
  sameAsLine: number | null;
}

export interface SalesImport {
  mode: 'preview' | 'import';
  lines: ImportLine[];
  counts: Record<ImportLineStatus, number>;
  commissionCents: number;
  separator: ';' | ',' | '\t';
  ignoredColumns: string[];
  /** The CSV's text, for the preview's « Importer » form to send back. */
  text: string;
}

export interface SalesImportInput {
  /** Pasted text. */
  text?: unknown;
  /** An uploaded file's bytes (it wins over pasted text). */
  file?: unknown;
}

/** Ends the preview's transaction once every line was tried. */
class PreviewDone extends Error {
  constructor(readonly lines: ImportLine[]) {
    super('preview rolled back');
  }
}

/** The CSV's text from an upload or a paste: the field the page shows a refusal next to. */
export function importText(input: SalesImportInput): { text: string; field: 'file' | 'text' } {
  if (Buffer.isBuffer(input.file) && input.file.length > 0) return { text: decodeCsv(input.file, 'file'), field: 'file' };
  const text = typeof input.text === 'string' ? input.text : '';
  if (text.trim() === '') throw new InputError('text', 'import.error.missing');
  return { text, field: 'text' };
}

async function tryLine(db: Db, deps: SalesDeps, campaignId: string, line: CsvSaleLine, firstLineOf: Map<string, number>, now: Date): Promise<ImportLine> {
  const base = { line: line.line, orderId: line.orderId, clickId: line.clickId, amount: line.amount, amountCents: null, commissionCents: 0, attribution: null, clickVerdict: null, refusal: null, sameAsLine: null };
  try {
    const { sale, replayed } = await recordSale(db, deps, campaignId, 'csv', { orderId: line.orderId, amount: csvAmount(line.amount), currency: 'EUR', clickId: line.clickId, soldAt: csvDate(line.date, now) });
    const known = firstLineOf.get(sale.orderId);
    if (!replayed) firstLineOf.set(sale.orderId, line.line);
    const status: ImportLineStatus = replayed ? 'already' : sale.commissionCents > 0 ? 'attributed' : 'no_commission';
    return { ...base, status, amountCents: sale.amountCents, commissionCents: replayed ? 0 : sale.commissionCents, attribution: sale.attribution, clickVerdict: sale.clickVerdict, sameAsLine: replayed ? (known ?? null) : null };
  } catch (error) {
    if (!(error instanceof DomainError) || error.status >= 500 || error.status === 404) throw error;
    const field = error.field === 'soldAt' ? 'date' : error.field;
    return { ...base, status: 'refused', refusal: { messageKey: error.messageKey, params: error.params, field } };
  }
}

function summary(mode: SalesImport['mode'], lines: ImportLine[], parsed: { separator: SalesImport['separator']; ignoredColumns: string[] }, text: string): SalesImport {
  const counts = { attributed: 0, no_commission: 0, refused: 0, already: 0 };
  for (const line of lines) counts[line.status] += 1;
  const commissionCents = lines.reduce((sum, line) => sum + line.commissionCents, 0);
  return { mode, lines, counts, commissionCents, separator: parsed.separator, ignoredColumns: parsed.ignoredColumns, text };
}

/**
 * The one service of the import page: reads the CSV, then previews (nothing written) or imports
 * (audited as `actor`). Throws an InputError naming `file` or `text` for a file it cannot read, a
 * NotFoundError for an unknown campaign.
 */
export async function runSalesImport(db: Db, deps: SalesDeps, campaignId: string, input: SalesImportInput, options: { mode: 'preview' | 'import'; actor: Actor }): Promise<SalesImport> {
  const campaign = await getCampaign(db, campaignId);
  const { text, field } = importText(input);
  const parsed = parseSalesCsv(text, field, { clickParam: campaign.clickParam });
  const now = deps.clock?.() ?? new Date();

  if (options.mode === 'preview') {
    try {
      await db.transaction(async (tx) => {
        const firstLineOf = new Map<string, number>();
        const lines: ImportLine[] = [];
        for (const line of parsed.lines) lines.push(await tryLine(tx, deps, campaign.id, line, firstLineOf, now));
        throw new PreviewDone(lines);
      });
    } catch (error) {
      if (error instanceof PreviewDone) return summary('preview', error.lines, parsed, text);
      throw error;
    }
    throw new Error('unreachable: the preview always rolls back');
  }

  const firstLineOf = new Map<string, number>();
  const lines: ImportLine[] = [];
  for (const line of parsed.lines) lines.push(await tryLine(db, deps, campaign.id, line, firstLineOf, now));
  const result = summary('import', lines, parsed, '');
  await writeAudit(db, {
    actorId: options.actor.id,
    actorLabel: options.actor.label,
    action: 'sales_imported',
    subject: `campaign:${campaign.id}`,
    params: { name: campaign.name, lines: lines.length, attributed: result.counts.attributed, withoutCommission: result.counts.no_commission, refused: result.counts.refused, already: result.counts.already, commissionCents: result.commissionCents },
  });
  return result;
}
