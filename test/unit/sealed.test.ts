import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../src/lib/sealed.js';
import { decryptDetails } from '../../src/modules/withdrawals/payout-details.js';
import { testConfig } from '../support/test-app.js';

describe('sealed secrets', () => {
  const key = randomBytes(32);

  it('reads back what was sealed, never the same text twice, and nothing under another key', () => {
    const secret = { accessToken: 'tok_1', refreshToken: 'ref_2' };
    const once = seal(secret, key);
    expect(once).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(seal(secret, key)).not.toBe(once);
    expect(unseal(once, key)).toEqual(secret);
    expect(() => unseal(once, randomBytes(32))).toThrow();
  });

  it('fails loudly on a tampered or unknown value', () => {
    const sealed = seal({ a: 1 }, key);
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => unseal(`v1:${raw.toString('base64')}`, key)).toThrow();
    expect(() => unseal('v2:AAAA', key)).toThrow('unknown sealed format');
    expect(() => unseal('v1:AAAA', key)).toThrow('too short');
  });

  it('keeps reading payout details sealed before (the format is unchanged), and keeps kinds apart', () => {
    // Written with the previous release's encryptDetails (same algorithm, key 32 × 0x07).
    const stored = 'v1:J1IRNM1w8DVlJoE9Dxw2AByCTPTYvw+/VoBZil/7tXQLBm7SOjlYRdafugWNmogYQ9AenMXWfHGhn6sAh75hKLyTy0O82u+woslilcP9qcoBThemqm4Yk2FmCu8NKlhzZMNNLSKSA5XWQ00=';
    expect(decryptDetails(stored, Buffer.alloc(32, 7))).toEqual({ method: 'bank', iban: 'FR7630006000011234567890189', holder: 'Jeanne Dupont' });
    const config = testConfig();
    const details = { method: 'paypal' as const, email: 'jeanne@example.com' };
    expect(decryptDetails(seal(details, config.payoutDetailsKey), config.payoutDetailsKey)).toEqual(details);
    expect(config.credentialsKey.equals(config.payoutDetailsKey)).toBe(false);
    expect(() => decryptDetails(seal(details, config.credentialsKey), config.payoutDetailsKey)).toThrow();
  });
});
