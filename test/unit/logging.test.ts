import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/logging.js';

describe('redactUrl', () => {
  it('blanks sign-in tokens wherever they are in the query', () => {
    expect(redactUrl('/partner/login?token=abcDEF_-123')).toBe('/partner/login?token=[redacted]');
    expect(redactUrl('/partner/login?lang=en&TOKEN=abc&x=1')).toBe('/partner/login?lang=en&TOKEN=[redacted]&x=1');
    expect(redactUrl('/partners?days=7')).toBe('/partners?days=7');
  });
});
