/**
 * The adapters the publishing worker can call, one per network that has an open posting API. A
 * network missing here is published by hand (assisted mode: the partner shares, then pastes the
 * post's address).
 */
import type { Config } from '../../config.js';
import type { NetworkAdapter } from './adapter.js';
import type { PublishingDeps } from './publications.js';
import { blueskyClient } from './bluesky-adapter.js';
import { discordClient } from './discord-adapter.js';
import { mastodonClient } from './mastodon-adapter.js';
import type { OutboundPolicy } from './remote-address.js';
import { telegramClient } from './telegram-adapter.js';
import { webhookAdapter } from './webhook-adapter.js';

export type AdapterRegistry = Partial<Record<string, NetworkAdapter<unknown>>>;

export interface AdapterOptions {
  timeoutMs?: number;
  now?: () => Date;
  /** Telegram's Bot API (config.telegramApiUrl); the real one when not said. */
  telegramApiUrl?: string;
}

export function publishingAdapters(policy: OutboundPolicy, options: AdapterOptions = {}): AdapterRegistry {
  return {
    bluesky: blueskyClient(policy, options).adapter as NetworkAdapter<unknown>,
    mastodon: mastodonClient(policy, options).adapter as NetworkAdapter<unknown>,
    webhook: webhookAdapter(policy, options) as NetworkAdapter<unknown>,
    telegram: telegramClient(policy, { ...options, apiUrl: options.telegramApiUrl }).adapter as NetworkAdapter<unknown>,
    // Each account keeps its webhook's whole URL: the API's address is not needed to publish.
    discord: discordClient(policy, options).adapter as NetworkAdapter<unknown>,
  };
}

/** What publishing needs from the settings, built the same for the server and for `cli worker`. */
export function publishingDeps(config: Config): PublishingDeps {
  return { config, adapters: publishingAdapters(config.outboundPolicy, { telegramApiUrl: config.telegramApiUrl }) };
}
