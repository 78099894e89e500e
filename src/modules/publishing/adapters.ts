/**
 * The adapters the publishing worker can call, one per network that has an open posting API. A
 * network missing here is published by hand (assisted mode: the partner shares, then pastes the
 * post's address).
 */
import type { NetworkAdapter } from './adapter.js';
import { mastodonClient } from './mastodon-adapter.js';
import type { OutboundPolicy } from './remote-address.js';
import { webhookAdapter } from './webhook-adapter.js';

export type AdapterRegistry = Partial<Record<string, NetworkAdapter<unknown>>>;

export interface AdapterOptions {
  timeoutMs?: number;
  now?: () => Date;
}

export function publishingAdapters(policy: OutboundPolicy, options: AdapterOptions = {}): AdapterRegistry {
  return {
    mastodon: mastodonClient(policy, options).adapter as NetworkAdapter<unknown>,
    webhook: webhookAdapter(policy, options) as NetworkAdapter<unknown>,
  };
}
