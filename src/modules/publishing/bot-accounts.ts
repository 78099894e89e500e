/**
 * Connecting the channels a partner posts to through a credential they paste: a Telegram channel
 * (their bot's token and the channel) and a Discord channel's webhook URL. The network is asked
 * first, and each failure says what to fix (« Ajoute le bot comme administrateur de la chaîne »);
 * nothing is kept until everything works. The token and the URL are sealed and never shown again
 * (`endpoint`, readable, names the channel or the webhook without them). The same channel or
 * webhook connected again is the same account, connected again.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { connectedAccounts } from '../../db/schema.js';
import { ConflictError, InputError } from '../../lib/errors.js';
import { seal } from '../../lib/sealed.js';
import { writeAudit } from '../audit/audit-log.js';
import { checkRoom, visible, type ConnectedAccount } from './accounts.js';
import type { DiscordAccount, DiscordClient } from './discord-adapter.js';
import { channelReference, type TelegramAccount, type TelegramClient, type TelegramRefusal } from './telegram-adapter.js';

const text = (value: unknown, max: number): string | null => (typeof value === 'string' && value.trim() !== '' && value.length <= max ? value : null);

/** A refusal of Telegram's said next to the field to fix. */
function telegramRefusal(reason: TelegramRefusal, channel: string): Error {
  switch (reason) {
    case 'token_shape':
      return new InputError('botToken', 'accounts.telegram.error.token');
    case 'token_refused':
      return new InputError('botToken', 'accounts.telegram.error.tokenRefused');
    case 'channel_shape':
      return new InputError('channel', 'accounts.telegram.error.channel');
    case 'channel_not_found':
      return new InputError('channel', 'accounts.telegram.error.channelNotFound', { channel });
    case 'not_channel':
      return new InputError('channel', 'accounts.telegram.error.notChannel', { channel });
    case 'not_admin':
      return new InputError('channel', 'accounts.telegram.error.notAdmin', { channel });
    case 'cannot_post':
      return new InputError('channel', 'accounts.telegram.error.cannotPost', { channel });
    case 'unreachable':
      return new ConflictError('network_unreachable', 'accounts.error.unreachable', { network: 'Telegram' });
  }
}

/** A Telegram channel, through the partner's bot: it must be an administrator allowed to post. */
export async function connectTelegram(db: Db, config: Config, partnerId: string, input: { botToken?: unknown; channel?: unknown }, client: TelegramClient): Promise<ConnectedAccount> {
  const token = text(input.botToken, 200);
  if (!token) throw new InputError('botToken', 'accounts.telegram.error.token');
  const channel = text(input.channel, 200);
  if (!channel) throw new InputError('channel', 'accounts.telegram.error.channel');
  const connected = await client.connect(token, channel);
  if ('kind' in connected) throw telegramRefusal(connected.reason, channelReference(channel) ?? channel.trim());
  // t.me/c/<id> is the channel's own address whatever its name becomes (its id without -100).
  const endpoint = `https://t.me/c/${connected.account.chatId.replace(/^-100/, '')}`;
  return keep(db, config, partnerId, { network: 'telegram', label: connected.title, endpoint, credentials: connected.account satisfies TelegramAccount });
}

/** A Discord channel, through the webhook made in its settings (Integrations → Webhooks). */
export async function connectDiscord(db: Db, config: Config, partnerId: string, input: { webhookUrl?: unknown }, client: DiscordClient): Promise<ConnectedAccount> {
  const url = text(input.webhookUrl, 2000);
  const connected = url ? await client.connect(url) : ({ kind: 'refused', reason: 'url_shape' } as const);
  if ('kind' in connected) {
    if (connected.reason === 'unreachable') throw new ConflictError('network_unreachable', 'accounts.error.unreachable', { network: 'Discord' });
    throw new InputError('webhookUrl', connected.reason === 'refused' ? 'accounts.discord.error.refused' : 'accounts.discord.error.url');
  }
  // The webhook without its token: which one it is, not how to use it.
  const endpoint = connected.account.url.replace(/\/[^/]+$/, '');
  return keep(db, config, partnerId, { network: 'discord', label: connected.name, endpoint, credentials: connected.account satisfies DiscordAccount });
}

/** Keeps a checked account: the same channel again is reconnected, a new one needs room. */
async function keep(db: Db, config: Config, partnerId: string, found: { network: 'telegram' | 'discord'; label: string; endpoint: string; credentials: TelegramAccount | DiscordAccount }): Promise<ConnectedAccount> {
  const label = found.label.slice(0, 300);
  const [same] = await db
    .select({ id: connectedAccounts.id })
    .from(connectedAccounts)
    .where(and(eq(connectedAccounts.partnerId, partnerId), eq(connectedAccounts.network, found.network), eq(connectedAccounts.endpoint, found.endpoint), ne(connectedAccounts.state, 'disconnected')));
  if (!same) await checkRoom(db, partnerId);
  const sealed = seal(found.credentials, config.credentialsKey);
  return db.transaction(async (tx) => {
    const [account] = same
      ? await tx.update(connectedAccounts).set({ label, credentialsSealed: sealed, state: 'connected', stateDetail: null, consecutiveFailures: 0, updatedAt: new Date() }).where(eq(connectedAccounts.id, same.id)).returning(visible)
      : await tx.insert(connectedAccounts).values({ partnerId, network: found.network, label, endpoint: found.endpoint, credentialsSealed: sealed }).returning(visible);
    await writeAudit(tx, { actorId: partnerId, actorLabel: 'partner', action: same ? 'account_reconnected' : 'account_connected', subject: `partner:${partnerId}`, partnerId, params: { network: found.network, label } });
    return account!;
  });
}
