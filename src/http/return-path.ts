/**
 * Where to send a person back after signing in: the page that asked them to (a same-site path),
 * carried through the sign-in form, the emailed link and the confirmation. Anything that could
 * lead off the site, or back into the sign-in steps, is dropped (the portal is the default).
 */
const MAX_LENGTH = 300;
const NOT_A_DESTINATION = /^\/(partner\/(magic|login|logout)|r\/|api\/|assets\/)/;
const ONE_TIME = ['requested', 'saved', 'done', 'signed_out', 'file', 'id'];

/** The path and query to return to, or null when `value` is not a same-site page of ours. */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null;
  // A path of this site: one leading slash; `//host` and `/\host` are other sites to a browser.
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are refused, as everywhere
  if (/[\u0000-\u001F\u007F]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, 'https://return.invalid');
  } catch {
    return null;
  }
  if (url.origin !== 'https://return.invalid') return null;
  // A page's one-time notices are not returned to (« demande enregistrée » shown again).
  for (const notice of ONE_TIME) url.searchParams.delete(notice);
  const path = `${url.pathname}${url.search}`;
  // Checked again once resolved: `/.//host` resolves to `//host`, another site to a browser.
  if (path.startsWith('//') || path.includes('\\')) return null;
  return NOT_A_DESTINATION.test(url.pathname) || url.pathname.endsWith('.csv') ? null : path;
}
