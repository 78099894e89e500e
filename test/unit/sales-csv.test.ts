/**
 * Reading an operator's CSV of sales: separators, header names in French or English and in any
 * order, quotes, a byte order mark, blank lines; each malformed file refused with its line; amounts
 * and dates as spreadsheets write them.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import { csvAmount, csvDate, decodeCsv, MAX_IMPORT_LINES, parseSalesCsv } from '../../src/modules/sales/sales-csv.js';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseSalesCsv', () => {
  it('reads `;`, `,` and tab separated files, names their lines, ignores other columns', () => {
    const semicolon = parseSalesCsv('commande;clic;montant;date\nA-1;k3.x;49,90;2026-03-14\n', 'text');
    expect(semicolon).toMatchObject({ separator: ';', ignoredColumns: [], lines: [{ line: 2, orderId: 'A-1', clickId: 'k3.x', amount: '49,90', date: '2026-03-14' }] });
    const comma = parseSalesCsv('Order ID,Amount,Click ID,Date,Customer\r\nB-2,"1,50",,2026-03-15,Jenny\r\n', 'text');
    expect(comma).toMatchObject({ separator: ',', ignoredColumns: ['Customer'], lines: [{ line: 2, orderId: 'B-2', amount: '1,50', clickId: '', date: '2026-03-15' }] });
    const tabs = parseSalesCsv('N° de commande\tIdentifiant de clic\tMontant\tDate de vente\nC-3\t\t10\t\n', 'text');
    expect(tabs).toMatchObject({ separator: '\t', lines: [{ orderId: 'C-3', amount: '10' }] });
  });

  it('takes a byte order mark, blank lines, quoted cells over several lines, and the campaign’s click parameter as a header', () => {
    const parsed = parseSalesCsv('\uFEFF\n\norder;ref_pe;amount;date\n\n"A;1";x.y;2;\n"B\n2";;3;\n\nC;;4;\n', 'text', { clickParam: 'ref_pe' });
    expect(parsed.lines.map((line) => [line.line, line.orderId, line.clickId])).toEqual([
      [5, 'A;1', 'x.y'],
      [6, 'B\n2', ''],
      [9, 'C', ''],
    ]);
  });

  it('refuses a malformed file, naming its line', () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['', 'import.error.empty', {}],
      ['\n \n', 'import.error.empty', {}],
      ['commande;montant;date\nA;1;2026-01-01\n', 'import.error.header', { line: 1, missing: 1 }],
      ['A-1;k3.x;49,90;2026-03-14\n', 'import.error.header', { line: 1 }],
      ['commande;clic;montant;date;commande\nA;;1;;B\n', 'import.error.headerTwice', { line: 1, name: 'commande' }],
      ['commande;clic;montant;date\n', 'import.error.noLines', {}],
      ['commande;clic;montant;date\nA;;1;\nB;;2\n', 'import.error.columns', { line: 3, found: 3, expected: 4 }],
      ['commande;clic;montant;date\nA;;1;\n"B;;2;\nC;;3;\n', 'import.error.quote', { line: 3 }],
      ['commande;clic;montant;date\nA;"x"y;1;\n', 'import.error.malformed', { line: 2 }],
      ['commande;clic;montant;date\nA;;1;\nB\u0000;;1;\n', 'import.error.control', { line: 3, character: 'U+0000' }],
    ];
    for (const [text, key, params] of cases) {
      const error = refusal(() => parseSalesCsv(text, 'text'));
      expect([error.field, error.messageKey, error.params], JSON.stringify(text)).toEqual(['text', key, expect.objectContaining(params)]);
    }
  });

  it('takes 5,000 lines and refuses one more', () => {
    const file = (count: number) => `commande;clic;montant;date\n${Array.from({ length: count }, (_, index) => `O-${index};;1;`).join('\n')}`;
    expect(parseSalesCsv(file(MAX_IMPORT_LINES), 'file').lines).toHaveLength(MAX_IMPORT_LINES);
    expect(refusal(() => parseSalesCsv(file(MAX_IMPORT_LINES + 1), 'file'))).toMatchObject({ field: 'file', messageKey: 'import.error.tooManyLines', params: { count: MAX_IMPORT_LINES + 1 } });
  });
});

describe('decodeCsv', () => {
  it('reads UTF-8 with or without a BOM, and refuses anything else', () => {
    expect(decodeCsv(Buffer.from('\uFEFFcommande;montant', 'utf8'))).toBe('commande;montant');
    expect(decodeCsv(Buffer.from('Référence', 'utf8'))).toBe('Référence');
    expect(refusal(() => decodeCsv(Buffer.from('R\xe9f\xe9rence', 'latin1')))).toMatchObject({ field: 'file', messageKey: 'import.error.encoding' });
    expect(refusal(() => decodeCsv(Buffer.alloc(3 * 1024 * 1024, 'a')))).toMatchObject({ messageKey: 'import.error.tooLarge' });
  });
});

describe('csvAmount and csvDate', () => {
  it('drops thousands spaces and a euro sign, leaving the rest for the ledger to read or refuse', () => {
    expect(csvAmount('1 234,56')).toBe('1234,56');
    expect(csvAmount('1\u202f234,56 €')).toBe('1234,56');
    expect(csvAmount('€ 49.90')).toBe('49.90');
    expect(csvAmount('12 EUR')).toBe('12');
    expect(csvAmount('1.234,56')).toBe('1.234,56');
    expect(csvAmount('-5')).toBe('-5');
  });

  it('reads days, French days and times, never later than now; refuses the rest', () => {
    const now = new Date('2026-03-15T10:00:00Z');
    expect(csvDate('', now)).toBeUndefined();
    expect(csvDate('2026-03-14', now)).toBe('2026-03-14T23:59:59.000Z');
    expect(csvDate('15/03/2026', now)).toBe('2026-03-15T10:00:00.000Z');
    expect(csvDate('14/03/2026 09:30', now)).toBe('2026-03-14T09:30:00.000Z');
    expect(csvDate('2026-03-14T09:30:00+01:00', now)).toBe('2026-03-14T08:30:00.000Z');
    expect(csvDate('2026-03-14 09:30', now)).toBe('2026-03-14T09:30:00.000Z');
    for (const bad of ['hier', '2026-02-30', '31/02/2026', '03/15/2026', '2026-03-14T25:00', '14.03.2026']) {
      expect(refusal(() => csvDate(bad, now)), bad).toMatchObject({ field: 'date', messageKey: 'import.error.date' });
    }
  });
});
