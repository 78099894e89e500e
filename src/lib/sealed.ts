/**
 * Secrets kept in the database (payout details, a connected account's tokens and passwords):
 * AES-256-GCM with a fresh 96-bit nonce each time, stored as `v1:` + base64(nonce | tag | text).
 * Each kind of secret has its own key (derived from the app's secret in config.ts), so one kind
 * can never be read as another. Tampering fails loudly (the tag), never as wrong data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export function seal(value: unknown, key: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function unseal<T>(stored: string, key: Buffer): T {
  const [version, payload] = stored.split(':');
  if (version !== VERSION || !payload) throw new Error('unknown sealed format');
  const raw = Buffer.from(payload, 'base64');
  if (raw.length < 28) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
}
