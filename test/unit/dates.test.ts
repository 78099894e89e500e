import { describe, expect, it } from 'vitest';
import { formatDate, formatDay } from '../../src/lib/dates.js';

describe('dates on pages', () => {
  it('reads as people write them, in the page’s language, never as ISO', () => {
    const at = new Date('2026-11-01T14:05:09Z');
    expect(formatDate(at, 'fr')).toBe('1 nov. 2026');
    expect(formatDate(at, 'en')).toBe('1 Nov 2026');
    expect(formatDate(at, 'fr', { time: true })).toBe('1 nov. 2026, 14:05 UTC');
    expect(formatDate(at, 'en', { time: true })).toBe('1 Nov 2026, 14:05 UTC');
  });

  it('names a statistics day briefly, without the year', () => {
    expect(formatDay('2026-11-01', 'fr')).toBe('1 nov.');
    expect(formatDay('2026-11-01', 'en')).toBe('1 Nov');
    expect(formatDay('2026-12-31', 'fr')).toBe('31 déc.');
  });
});
