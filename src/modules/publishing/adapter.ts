/**
 * What every network adapter offers the publishing worker, whatever the network: publish a text
 * under an idempotency key chosen before the first try, and look a publication up by that key
 * after a timeout or a lost answer — the worker never publishes again blindly. Outcomes say what
 * the worker must do next, not how the network said it.
 */
import type { LengthRule } from './post-text.js';

export interface PublishRequest {
  /** The final, checked text (disclosure, brand and link in it). */
  text: string;
  /** Chosen when the publication is prepared; the same on every attempt. */
  idempotencyKey: string;
  publicationId: string;
  link: string;
  /** The post's language (Bluesky's `langs`, so feeds in that language show it). */
  locale?: 'fr' | 'en';
  /**
   * The publication's own image (post-images.ts), for the networks that take one (Bluesky,
   * Mastodon): uploaded first, then attached to the post with its alt text.
   */
  image?: PublishImage;
}

/** An image ready for a network: within its limits, the alt text starting with the disclosure. */
export interface PublishImage {
  data: Buffer;
  mime: string;
  alt: string;
  width: number;
  height: number;
}

export type PublishOutcome =
  /** Out on the network: the proof kept with the publication. */
  | { kind: 'published'; remoteId: string; remoteUrl: string | null }
  /** Try again at `retryAt` (429, Retry-After, rate-limit headers). */
  | { kind: 'rate_limited'; retryAt: Date }
  /** The account must be reconnected (revoked or expired credentials); nothing is retried. */
  | { kind: 'credentials_refused'; detail: string }
  /** The network refused this publication for good (too long, forbidden content…). */
  | { kind: 'rejected'; detail: string }
  /** Nothing reached the network (refused connection, unknown host): safe to try again later. */
  | { kind: 'not_sent'; detail: string }
  /** No answer, or one that does not say: look it up before anything else. */
  | { kind: 'unknown'; detail: string };

/** What a lookup by idempotency key found. */
export type LookupOutcome = { kind: 'published'; remoteId: string; remoteUrl: string | null } | { kind: 'not_found' } | { kind: 'cannot_tell'; detail: string };

/** What a credentials check found. */
export type CheckOutcome = { kind: 'ok' } | { kind: 'credentials_refused'; detail: string } | { kind: 'unreachable'; detail: string };

/** What the worker hands an adapter besides the account: a way to stop, and to keep renewed credentials. */
export interface AdapterContext<Account> {
  signal?: AbortSignal;
  /**
   * Keeps credentials the network renewed on the way (a refreshed Bluesky session), sealed as
   * the first ones were. An adapter never calls it with an empty token: a refresh that returns
   * none is a refused credential, not a new one.
   */
  saveCredentials?(next: Account): Promise<void>;
}

export interface NetworkAdapter<Account> {
  readonly network: string;
  /** How the network counts a text against its limit, for this account (an instance's own limit). */
  lengthRule(account: Account): LengthRule;
  publish(account: Account, request: PublishRequest, context?: AdapterContext<Account>): Promise<PublishOutcome>;
  /**
   * The account's « Tester » button: whether the credentials still work, without publishing
   * anything (the webhook gets a signed `test` call it can ignore).
   */
  check(account: Account, context?: AdapterContext<Account>): Promise<CheckOutcome>;
  /** Whether the publication went out after all (by its key, or by its link: each publication's is its own). */
  lookup(account: Account, request: PublishRequest, context?: AdapterContext<Account>): Promise<LookupOutcome>;
}
