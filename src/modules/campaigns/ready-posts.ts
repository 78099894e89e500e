/**
 * A ready-to-post text: the campaign's text with the partner's link in place of `{link}` (or at the
 * end), and the advertising disclosure the law asks for, unless the text already carries it.
 */
export function readyPost(text: string, link: string): string {
  const withLink = text.includes('{link}') ? text.split('{link}').join(link) : `${text}\n${link}`;
  const disclosed = /#ad\b/i.test(withLink) && /publicit[ée]/i.test(withLink);
  return disclosed ? withLink : `${withLink}\n#ad · Publicité`;
}
