import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARE_NETWORKS, shareLinks, shareText, type ShareNetwork } from '../../src/modules/campaigns/share-links.js';

const link = 'https://partners.example/r/Ab3dE5gH9k';
const post = 'Ma box bio & de saison à 12 € + 50 % ?!#promo = {link} 🌱';
const text = shareText([post, 'second post {link}'], link);

function byNetwork(subject = 'Démo · Box bio & co') {
  return new Map(shareLinks({ link, text, subject }).map((share) => [share.network, share]));
}

function href(network: ShareNetwork): URL {
  return new URL(byNetwork().get(network)!.href);
}

describe('share text', () => {
  it('is the first ready post with the link and the #ad disclosure, else the link alone', () => {
    expect(text).toBe(`Ma box bio & de saison à 12 € + 50 % ?!#promo = ${link} 🌱\n#ad · Publicité`);
    expect(shareText([], link)).toBe(link);
  });
});

describe('share links', () => {
  it('gives every network, in a fixed order, web ones in a new tab and email not', () => {
    const shares = shareLinks({ link, text, subject: 's' });
    expect(shares.map((s) => s.network)).toEqual([...SHARE_NETWORKS]);
    expect(shares.filter((s) => !s.newTab).map((s) => s.network)).toEqual(['email']);
  });

  it('points at each network’s documented share address', () => {
    const origins = Object.fromEntries([...byNetwork()].map(([network, share]) => [network, share.href.slice(0, share.href.indexOf('?'))]));
    expect(origins).toEqual({
      whatsapp: 'https://wa.me/',
      telegram: 'https://t.me/share/url',
      x: 'https://x.com/intent/post',
      linkedin: 'https://www.linkedin.com/sharing/share-offsite/',
      facebook: 'https://www.facebook.com/sharer/sharer.php',
      email: 'mailto:',
    });
  });

  it('carries the exact text, disclosure included, where the network takes text', () => {
    expect(href('whatsapp').searchParams.get('text')).toBe(text);
    expect(href('x').searchParams.get('text')).toBe(text);
    expect([...href('x').searchParams.keys()]).toEqual(['text']);
    // Telegram shows its url above the text: the text keeps everything but the link.
    expect(href('telegram').searchParams.get('url')).toBe(link);
    expect(href('telegram').searchParams.get('text')).toBe('Ma box bio & de saison à 12 € + 50 % ?!#promo = 🌱\n#ad · Publicité');
    expect([...href('linkedin').searchParams.entries()]).toEqual([['url', link]]);
    expect([...href('facebook').searchParams.entries()]).toEqual([['u', link]]);
  });

  it('writes the email with a subject and CRLF line breaks, spaces as %20 (a + would stay a plus)', () => {
    const mail = byNetwork().get('email')!.href;
    expect(mail.startsWith('mailto:?subject=D%C3%A9mo%20%C2%B7%20Box%20bio%20%26%20co&body=')).toBe(true);
    const body = mail.slice(mail.indexOf('&body=') + '&body='.length);
    expect(decodeURIComponent(body)).toBe(text.replace(/\n/g, '\r\n'));
    expect(body).toContain('%0D%0A%23ad');
    expect(body).not.toMatch(/[ +\n#&?]/);
  });

  it('leaves no character of the text unencoded that would end or split a parameter', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (anything) => {
        const shared = `${anything} ${link}`;
        for (const share of shareLinks({ link, text: shared, subject: anything })) {
          const query = share.href.slice(share.href.indexOf('?') + 1);
          expect(query).not.toMatch(/[ #\n"<>]/);
          const url = new URL(share.href.replace(/^mailto:/, 'https://mail.invalid/'));
          if (share.network === 'whatsapp' || share.network === 'x') expect(url.searchParams.get('text')).toBe(shared);
          if (share.network === 'email') expect(decodeURIComponent(query.split('&body=')[1]!)).toBe(shared.replace(/\r?\n/g, '\r\n'));
        }
      }),
    );
  });

  it('shares the link alone when the campaign has no ready post', () => {
    const shares = new Map(shareLinks({ link, text: shareText([], link), subject: 'x' }).map((s) => [s.network, s.href]));
    expect(new URL(shares.get('whatsapp')!).searchParams.get('text')).toBe(link);
    expect(shares.get('telegram')).toBe(`https://t.me/share/url?url=${encodeURIComponent(link)}`);
  });
});
