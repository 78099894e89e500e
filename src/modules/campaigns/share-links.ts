/**
 * Share links: plain addresses of each network's documented share page, so sharing needs no
 * third-party script, image or cookie on our pages. The text shared is the campaign's first ready
 * post (link and « #ad » disclosure included, see ready-posts.ts) when there is one, else the link.
 *
 * Networks whose share page takes only a URL (LinkedIn, Facebook) cannot carry the text or its
 * disclosure: the page says so next to them and offers the post to copy.
 */
import { readyPost } from './ready-posts.js';

export const SHARE_NETWORKS = ['whatsapp', 'telegram', 'x', 'linkedin', 'facebook', 'email'] as const;
export type ShareNetwork = (typeof SHARE_NETWORKS)[number];

export interface ShareLink {
  network: ShareNetwork;
  href: string;
  /** False for mailto: an email client, not a web page, opens. */
  newTab: boolean;
}

/** What a partner shares for a campaign: its first ready post with their link, else the link alone. */
export function shareText(posts: readonly string[], link: string): string {
  return posts[0] === undefined ? link : readyPost(posts[0], link);
}

/**
 * The text without the link, for Telegram, whose share page shows the URL it is given above the
 * text (the text keeping it would show it twice).
 */
function textAround(text: string, link: string): string {
  return text
    .split(link)
    .join('')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

const encode = encodeURIComponent;

/**
 * Every network's share address for `link` with `text` (which contains the link, or is it).
 * `subject` is the email's subject line. X gets the whole text in `text` (its `url` parameter would
 * move the link to the end, after the disclosure).
 */
export function shareLinks(options: { link: string; text: string; subject: string }): ShareLink[] {
  const { link, text, subject } = options;
  const rest = textAround(text, link);
  const hrefs: Record<ShareNetwork, string> = {
    whatsapp: `https://wa.me/?text=${encode(text)}`,
    telegram: `https://t.me/share/url?url=${encode(link)}${rest ? `&text=${encode(rest)}` : ''}`,
    x: `https://x.com/intent/post?text=${encode(text)}`,
    linkedin: `https://www.linkedin.com/sharing/share-offsite/?url=${encode(link)}`,
    facebook: `https://www.facebook.com/sharer/sharer.php?u=${encode(link)}`,
    // RFC 6068: line breaks in a mailto body are CRLF.
    email: `mailto:?subject=${encode(subject)}&body=${encode(text.replace(/\r?\n/g, '\r\n'))}`,
  };
  return SHARE_NETWORKS.map((network) => ({ network, href: hrefs[network], newTab: network !== 'email' }));
}
