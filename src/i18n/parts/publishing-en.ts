import type { publishingFr } from './publishing-fr.js';

export const publishingEn: Record<keyof typeof publishingFr, string> = {
  'post.error.disclosure': 'The text must start with “{prefix}”: this disclosure is required and cannot be removed.',
  'post.error.link': 'The text must contain your whole link, {link}, followed by a space or punctuation: without it your clicks would not count.',
  'post.error.tooLong': 'The text is {length} characters long; the network allows {max}. Shorten it (the disclosure and the link count).',
  'remote.error.malformed': 'Invalid address. Example: https://mastodon.social',
  'remote.error.https': 'The address must start with https:// (an encrypted connection).',
  'remote.error.own': 'This address is Plug & Earn’s own.',
  'remote.error.unresolved': 'The server {host} cannot be found. Check the address.',
  'remote.error.private': 'The server {host} is on a private or local network: only public addresses are accepted.',
  'accounts.error.tooMany': 'You already have {max} connected accounts: remove one before adding another.',
  'accounts.error.instance': 'The server {instance} does not answer like a Mastodon server. Check the address.',
  'accounts.error.expired': 'This connection has expired or was already used. Start again from “Manage my accounts”.',
  'accounts.error.refused': 'The server {instance} refused the connection. Start again from “Manage my accounts”.',
  'audit.action.account_connected': 'Account connected',
  'audit.action.account_reconnected': 'Account reconnected',
  'audit.action.account_removed': 'Account removed',
  'audit.kind.accounts': 'Connected accounts',
  'audit.detail.account': '{network} · {label}',
};
