import { describe, expect, it } from 'vitest';
import { maskEmail, normaliseEmail } from '../../src/lib/email.js';

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Ana.B@Example.COM ')).toBe('ana.b@example.com');
  });
  it.each(['', ' ', 'a', 'a@', '@b.fr', 'a b@c.fr', 'a@b@c.fr', '<x>@y.fr', `${'x'.repeat(250)}@e.fr`, 42, null, undefined])(
    'refuses %j',
    (input) => {
      expect(normaliseEmail(input)).toBeNull();
    },
  );
});

describe('maskEmail', () => {
  it.each([
    ['abcdef@example.com', 'ab…f@example.com'],
    ['abc@example.com', 'a…c@example.com'],
    ['ab@example.com', 'a…@example.com'],
    ['a@example.com', 'a…@example.com'],
    ['nope', 'anon'],
  ])('%s → %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
  it('never shows more than two characters of the local part nor the whole of it', () => {
    for (const local of ['a', 'ab', 'abc', 'abcd', 'abcdefghij']) {
      const masked = maskEmail(`${local}@d.fr`).split('@')[0]!;
      const shown = masked.replace('…', '');
      expect(shown.length).toBeLessThan(Math.max(local.length, 2));
      expect(masked.indexOf('…')).toBeLessThanOrEqual(2);
    }
  });
});
