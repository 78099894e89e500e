import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.js';
import { cleanPayoutDetails, decryptDetails, encryptDetails, maskPayoutDetails } from '../../src/modules/withdrawals/payout-details.js';
import { centsToDecimalString } from '../../src/lib/money.js';
import { sepaText } from '../../src/modules/withdrawals/sepa-xml.js';

describe('payout details', () => {
  it('normalises IBANs (spaces, lower case) and checks them under ISO 13616', () => {
    expect(cleanPayoutDetails('bank', ' fr76 3000 6000 0112 3456 7890 189 ', ' Jeanne  Dupont ')).toEqual({ method: 'bank', iban: 'FR7630006000011234567890189', holder: 'Jeanne Dupont' });
    expect(cleanPayoutDetails('bank', 'DE89370400440532013000', 'Max')).toMatchObject({ iban: 'DE89370400440532013000' });
    for (const iban of ['FR7630006000011234567890188', 'FR76300060000112345678901', 'XX7630006000011234567890189', 'not an iban', '', 'DE8937040044053201300']) {
      expect(() => cleanPayoutDetails('bank', iban, 'Jeanne Dupont'), iban).toThrow(InputError);
    }
    expect(() => cleanPayoutDetails('bank', 'BR1800360305000010009795493C1', 'Jeanne Dupont')).toThrow(InputError);
    for (const holder of ['', ' ', 'J', '12345', 'x'.repeat(71), 'Жанна', '日本']) {
      const error = (() => {
        try {
          cleanPayoutDetails('bank', 'FR7630006000011234567890189', holder);
        } catch (e) {
          return e as InputError;
        }
      })();
      expect(error?.field, holder).toBe('holderName');
    }
  });

  it('wants an email address for PayPal', () => {
    expect(cleanPayoutDetails('paypal', ' Ana@Example.com ', undefined)).toEqual({ method: 'paypal', email: 'ana@example.com' });
    for (const email of ['', 'ana', 'ana@', '<b>@x.fr', 42, '-2+3@example.com', '+cmd@example.com', '=1+1@example.com']) {
      expect(() => cleanPayoutDetails('paypal', email, undefined), String(email)).toThrow(InputError);
    }
  });

  it('masks details for lists and partners', () => {
    expect(maskPayoutDetails({ method: 'bank', iban: 'FR7630006000011234567890189', holder: 'J' })).toBe('FR76 •••• •••• 0189');
    expect(maskPayoutDetails({ method: 'paypal', email: 'abcdef@example.com' })).toBe('ab…f@example.com');
  });

  it('encrypts with a fresh nonce, decrypts, and detects tampering or a wrong key', () => {
    const key = randomBytes(32);
    const details = { method: 'bank' as const, iban: 'FR7630006000011234567890189', holder: 'Jeanne' };
    const a = encryptDetails(details, key);
    const b = encryptDetails(details, key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('FR76');
    expect(decryptDetails(a, key)).toEqual(details);
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => decryptDetails(`v1:${raw.toString('base64')}`, key)).toThrow();
    expect(() => decryptDetails(a, randomBytes(32))).toThrow();
  });
});

describe('SEPA text', () => {
  it('transliterates to the SEPA character set and cuts', () => {
    expect(sepaText('Chloé Müller-Œuvre & Fils', 70)).toBe('Chloe Muller-OEuvre + Fils');
    expect(sepaText('<script>"x"</script>', 70)).toBe('script x /script');
    expect(sepaText('日本', 70)).toBe('NOTPROVIDED');
    expect(sepaText('a'.repeat(100), 70)).toHaveLength(70);
  });
  it('writes amounts from cents exactly', () => {
    expect(centsToDecimalString(1250)).toBe('12.50');
    expect(centsToDecimalString(5)).toBe('0.05');
    expect(centsToDecimalString(100000)).toBe('1000.00');
    expect(centsToDecimalString(-1250)).toBe('-12.50');
    expect(centsToDecimalString(1250, { decimalSeparator: ',' })).toBe('12,50');
  });
});
