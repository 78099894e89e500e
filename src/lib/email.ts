import { z } from 'zod';

export const MAX_EMAIL_LENGTH = 254;
const emailFormat = z.email();

/**
 * Normalises an email address for identity: trimmed, lower-cased (addresses are compared without
 * case in practice, and one partner must not get two accounts from `Ana@x` and `ana@x`).
 * Returns null for anything that is not a plausible address.
 */
export function normaliseEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const email = input.trim().toLowerCase();
  if (email.length < 3 || email.length > MAX_EMAIL_LENGTH) return null;
  if (!emailFormat.safeParse(email).success) return null;
  return email;
}

/**
 * The seed's masking rule `ab…c@domain`, made safe for short local parts: never more than the
 * first two characters, and never the whole local part (the original design's mask turned `a@x` into `a…a@x`).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return 'anon';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const chars = [...local];
  if (chars.length <= 2) return `${chars[0]}…@${domain}`;
  if (chars.length === 3) return `${chars[0]}…${chars[2]}@${domain}`;
  return `${chars.slice(0, 2).join('')}…${chars[chars.length - 1]}@${domain}`;
}
