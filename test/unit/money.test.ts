import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCents, MAX_CENTS, parseEurosToCents } from '../../src/lib/money.js';

describe('parseEurosToCents', () => {
  it.each([
    ['10', 1000],
    ['0.12', 12],
    ['12,50', 1250],
    ['12.5', 1250],
    [' 7 ', 700],
    ['0', 0],
    ['999999999.99', 99_999_999_999],
  ])('reads %s as %i cents', (input, cents) => {
    expect(parseEurosToCents(input)).toEqual({ ok: true, cents });
  });

  it.each(['nan', 'NaN', 'Infinity', '-1', '+1', '1e3', '10.001', '1 000', '0x10', '.5', '5.', '', '   ', 'abc', '1,2,3'])(
    'refuses %j',
    (input) => {
      expect(parseEurosToCents(input).ok).toBe(false);
    },
  );

  it('refuses absurdly large amounts', () => {
    expect(parseEurosToCents('9999999999999')).toEqual({ ok: false, reason: 'format' });
    expect(parseEurosToCents('100000000000')).toEqual({ ok: false, reason: 'too_large' });
  });

  it('round-trips every amount of cents exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CENTS }), (cents) => {
        const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        expect(parseEurosToCents(text)).toEqual({ ok: true, cents });
        expect(parseEurosToCents(text.replace('.', ','))).toEqual({ ok: true, cents });
      }),
    );
  });
});

describe('formatCents', () => {
  it('formats in French by default style and in English', () => {
    expect(formatCents(123456, 'fr').replace(/\s/g, ' ')).toBe('1 234,56 €');
    expect(formatCents(12, 'fr').replace(/\s/g, ' ')).toBe('0,12 €');
    expect(formatCents(123456, 'en')).toBe('€1,234.56');
  });
  it('drops ,00 from whole euros only when asked', () => {
    expect(formatCents(1000, 'fr', { wholeEuros: true }).replace(/\s/g, ' ')).toBe('10 €');
    expect(formatCents(1050, 'fr', { wholeEuros: true }).replace(/\s/g, ' ')).toBe('10,50 €');
    expect(formatCents(1000, 'fr').replace(/\s/g, ' ')).toBe('10,00 €');
  });
  it('refuses anything that is not integer cents', () => {
    expect(() => formatCents(1.5, 'fr')).toThrow(TypeError);
    expect(() => formatCents(Number.NaN, 'fr')).toThrow(TypeError);
  });
});

describe('formatCents at the edge of safe integers', () => {
  it('is exact where a float of euros is not', () => {
    expect(formatCents(Number.MAX_SAFE_INTEGER, 'en')).toBe('€90,071,992,547,409.91');
    expect(formatCents(Number.MAX_SAFE_INTEGER, 'fr').replace(/\s/g, ' ')).toBe('90 071 992 547 409,91 €');
  });
});
