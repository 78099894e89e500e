/**
 * Reading an operator's CSV of sales (sales-import.ts records them): pure, no database.
 *
 * The format: UTF-8 (with or without a byte order mark), a header row naming the columns — order
 * id, click id, amount, date, in any order, in French or English; other columns are ignored —
 * then one sale a line, at most MAX_IMPORT_LINES. The separator is the header's: `;`, `,` or a tab
 * (a spreadsheet's copy). Cells may be quoted ("…", "" for a quote). Amounts take a decimal comma
 * or point, spaces between thousands and a € sign; dates are YYYY-MM-DD or DD/MM/YYYY, optionally
 * with a time (UTC unless it carries an offset). Parsing is csv-parse's (RFC 4180), strict: an
 * unclosed quote or a line with another number of cells than the header refuses the whole file,
 * naming its line.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from '../../lib/errors.js';
import { findUnstorableText } from '../../lib/stored-text.js';
import type { MessageKey } from '../../i18n/index.js';

export const MAX_IMPORT_LINES = 5000;
/** 5,000 lines of long order and click ids, with room to spare. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;

export type CsvColumn = 'orderId' | 'clickId' | 'amount' | 'date';
export const CSV_COLUMNS: readonly CsvColumn[] = ['orderId', 'clickId', 'amount', 'date'];

/** The names a header may give each column, compared without case, accents, spaces or punctuation. */
const COLUMN_NAMES: Record<CsvColumn, readonly string[]> = {
  orderId: ['orderid', 'order', 'ordernumber', 'orderref', 'commande', 'idcommande', 'numerodecommande', 'numerocommande', 'ndecommande', 'nocommande', 'refcommande', 'referencecommande'],
  clickId: ['clickid', 'click', 'clic', 'idclic', 'idduclic', 'identifiantdeclic', 'identifiantduclic', 'peclick'],
  amount: ['amount', 'montant', 'total', 'montantttc', 'amounteur', 'montanteur'],
  date: ['date', 'soldat', 'saledate', 'orderdate', 'datedevente', 'datedecommande', 'datedelavente'],
};

export interface CsvSaleLine {
  /** Its line in the file (the header is line 1). */
  line: number;
  orderId: string;
  clickId: string;
  amount: string;
  date: string;
}

export interface SalesCsv {
  separator: ';' | ',' | '\t';
  lines: CsvSaleLine[];
  /** Header cells that name none of the columns, left aside. */
  ignoredColumns: string[];
}

const refuse = (field: string, key: MessageKey, params: Record<string, string | number> = {}) => new InputError(field, key, params);

const normalise = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** The bytes of an uploaded file as text: UTF-8 or refused (a spreadsheet's Latin-1 or UTF-16 export). */
export function decodeCsv(bytes: Buffer, field = 'file'): string {
  if (bytes.length > MAX_IMPORT_BYTES) throw refuse(field, 'import.error.tooLarge', { max: MAX_IMPORT_BYTES / 1024 / 1024 });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw refuse(field, 'import.error.encoding');
  }
}

/** The header's separator: the most frequent of `;`, `,` and tab in the first line (outside quotes). */
function separatorOf(firstLine: string): SalesCsv['separator'] {
  const outside = firstLine.replace(/"[^"]*"/g, '');
  const counts = ([';', ',', '\t'] as const).map((separator) => [separator, outside.split(separator).length - 1] as const);
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best![1] > 0 ? best![0] : ';';
}

/**
 * Parses the CSV's text (see the module's comment). Every refusal of the file as a whole is an
 * InputError naming `field`, its message giving the line.
 */
export function parseSalesCsv(input: string, field: string, options: { clickParam?: string } = {}): SalesCsv {
  const text = input.replace(/^\uFEFF/, '');
  if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) throw refuse(field, 'import.error.tooLarge', { max: MAX_IMPORT_BYTES / 1024 / 1024 });
  if (text.trim() === '') throw refuse(field, 'import.error.empty');
  // The characters the database refuses in text (lib/stored-text.ts), found before any line is read.
  if (findUnstorableText(text)) {
    const rows = text.split('\n');
    const index = rows.findIndex((row) => findUnstorableText(row) !== null);
    throw refuse(field, 'import.error.control', { line: index + 1, character: findUnstorableText(rows[index]!)!.character ?? '' });
  }
  // Blank lines at the top are not the header: the header is the first line with something in it.
  const leading = /^(?:[ \t]*\r?\n)*/.exec(text)![0];
  const offset = leading.split('\n').length - 1;
  const body = text.slice(leading.length);
  const separator = separatorOf(body.split(/\r?\n/, 1)[0]!);

  let records: string[][];
  /** Each record's last line (a quoted cell may span several); the last one read names where a broken record starts. */
  const endLines: number[] = [];
  let lastLine = 0;
  try {
    records = parse(body, {
      delimiter: separator,
      bom: false,
      relax_column_count: false,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
      on_record: (record, context) => {
        lastLine = context.lines;
        endLines.push(context.lines);
        return record;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const at = (error as CsvError & { lines?: number }).lines ?? lastLine + 1;
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') throw refuse(field, 'import.error.quote', { line: lastLine + 1 + offset });
    if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const found = (error as CsvError & { record?: unknown[] }).record?.length ?? 0;
      throw refuse(field, 'import.error.columns', { line: at + offset, found, expected: headerLength(body, separator) });
    }
    throw refuse(field, 'import.error.malformed', { line: at + offset });
  }
  if (records.length === 0) throw refuse(field, 'import.error.empty');

  const [header, ...rows] = records.map((record, index) => ({ record, info: { lines: endLines[index]! } }));
  const positions = new Map<CsvColumn, number>();
  const ignoredColumns: string[] = [];
  const clickParam = options.clickParam ? normalise(options.clickParam) : null;
  header!.record.forEach((name, index) => {
    const key = normalise(name);
    const column = CSV_COLUMNS.find((candidate) => COLUMN_NAMES[candidate].includes(key) || (candidate === 'clickId' && key === clickParam));
    if (!column) {
      ignoredColumns.push(name);
      return;
    }
    if (positions.has(column)) throw refuse(field, 'import.error.headerTwice', { line: 1 + offset, name });
    positions.set(column, index);
  });
  const missing = CSV_COLUMNS.filter((column) => !positions.has(column));
  if (missing.length > 0) throw refuse(field, 'import.error.header', { line: 1 + offset, missing: missing.length });
  if (rows.length === 0) throw refuse(field, 'import.error.noLines');
  if (rows.length > MAX_IMPORT_LINES) throw refuse(field, 'import.error.tooManyLines', { max: MAX_IMPORT_LINES, count: rows.length });

  const cell = (record: string[], column: CsvColumn) => record[positions.get(column)!] ?? '';
  const lines = rows.map(({ record, info }) => {
    // `info.lines` is the record's last line; a quoted cell may span several.
    const spanned = record.reduce((sum, value) => sum + (value.match(/\n/g)?.length ?? 0), 0);
    return { line: info.lines - spanned + offset, orderId: cell(record, 'orderId'), clickId: cell(record, 'clickId'), amount: cell(record, 'amount'), date: cell(record, 'date') };
  });
  return { separator, lines, ignoredColumns };
}

/** How many cells the header has, for the message about a line that has another count. */
function headerLength(body: string, separator: string): number {
  try {
    const [first] = parse(body, { delimiter: separator, to_line: 1, trim: true }) as string[][];
    return first?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * An amount as a spreadsheet writes it, as the ledger reads it: spaces between thousands (plain,
 * no-break, narrow no-break) and a leading or trailing € or EUR dropped; the decimal comma or point
 * is the ledger's to read (sale-terms.ts `parseSaleAmount`). Anything else is left for it to refuse.
 */
export function csvAmount(value: string): string {
  return value
    .replace(/^\s*(€|EUR)\s*/i, '')
    .replace(/\s*(€|EUR)\s*$/i, '')
    .replace(/(\d)[\s\u00a0\u202f]+(?=\d{3}(\D|$))/g, '$1')
    .trim();
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A date cell as an instant in ISO 8601 (empty: none, the ledger takes now). A day alone is the
 * end of that day (a sale of that day follows its click of the same morning), never later than
 * `now`; a time without an offset is UTC. Throws an InputError for anything else.
 */
export function csvDate(value: string, now: Date): string | undefined {
  const textValue = value.trim();
  if (textValue === '') return undefined;
  const day = (year: number, month: number, date: number) => {
    const end = new Date(Date.UTC(year, month - 1, date, 23, 59, 59));
    if (end.getUTCMonth() !== month - 1 || end.getUTCDate() !== date) throw refuse('date', 'import.error.date');
    return new Date(Math.min(end.getTime(), now.getTime())).toISOString();
  };
  let match = ISO_DAY.exec(textValue);
  if (match) return day(Number(match[1]), Number(match[2]), Number(match[3]));
  match = DMY.exec(textValue);
  if (match) {
    if (match[4] === undefined) return day(Number(match[3]), Number(match[2]), Number(match[1]));
    return checked(Number(match[3]), Number(match[2]), Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0), 'Z');
  }
  match = ISO_TIME.exec(textValue);
  if (match) return checked(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0), match[7] ?? 'Z', textValue);
  throw refuse('date', 'import.error.date');
}

function checked(year: number, month: number, date: number, hours: number, minutes: number, seconds: number, zone: string, original?: string): string {
  const utc = new Date(Date.UTC(year, month - 1, date, hours, minutes, seconds));
  if (utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== date || hours > 23 || minutes > 59 || seconds > 59) throw refuse('date', 'import.error.date');
  if (zone === 'Z') return utc.toISOString();
  const parsed = new Date(original!.replace(' ', 'T'));
  if (Number.isNaN(parsed.getTime())) throw refuse('date', 'import.error.date');
  return parsed.toISOString();
}
