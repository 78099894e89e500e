/**
 * Payout details are personal data: checked per method, stored encrypted (lib/sealed.ts), and
 * shown masked everywhere but the payout file and the operator's detail view.
 */
import { electronicFormatIBAN, isSEPACountry, isValidIBAN } from 'ibantools';
import type { PayoutMethod } from '../../config.js';
import { maskEmail, normaliseEmail } from '../../lib/email.js';
import { InputError } from '../../lib/errors.js';
import { seal, unseal } from '../../lib/sealed.js';
import { sepaText } from './sepa-xml.js';

export type PayoutDetails = { method: 'paypal'; email: string } | { method: 'bank'; iban: string; holder: string };

/** Checks and normalises what the partner typed; throws an InputError naming the field. */
export function cleanPayoutDetails(method: PayoutMethod, details: unknown, holderName: unknown): PayoutDetails {
  if (method === 'paypal') {
    const email = normaliseEmail(details);
    // A recipient must go into the payout file unchanged: nothing a spreadsheet reads as a formula.
    if (!email || !/^[a-z0-9]/.test(email)) throw new InputError('details', 'withdraw.error.paypal');
    return { method, email };
  }
  const iban = typeof details === 'string' ? electronicFormatIBAN(details) : null;
  if (!iban || !isValidIBAN(iban)) throw new InputError('details', 'withdraw.error.iban');
  // A SEPA credit transfer only reaches accounts in the SEPA area.
  if (!isSEPACountry(iban.slice(0, 2))) throw new InputError('details', 'withdraw.error.ibanNotSepa');
  const holder = typeof holderName === 'string' ? holderName.trim().replace(/\s+/g, ' ') : '';
  // The bank receives the name in the SEPA character set: it must survive transliteration.
  const sepaName = sepaText(holder, 70);
  if (holder.length < 2 || holder.length > 70 || sepaName === 'NOTPROVIDED' || sepaName.replace(/[^A-Za-z]/g, '').length < 2) {
    throw new InputError('holderName', 'withdraw.error.holder');
  }
  return { method, iban, holder };
}

/** `FR76 •••• •••• 0189` for an IBAN, `ab…c@example.com` for PayPal. */
export function maskPayoutDetails(details: PayoutDetails): string {
  if (details.method === 'paypal') return maskEmail(details.email);
  return `${details.iban.slice(0, 4)} •••• •••• ${details.iban.slice(-4)}`;
}

export function encryptDetails(details: PayoutDetails, key: Buffer): string {
  return seal(details, key);
}

export function decryptDetails(stored: string, key: Buffer): PayoutDetails {
  return unseal<PayoutDetails>(stored, key);
}
