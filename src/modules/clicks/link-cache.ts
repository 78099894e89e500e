/**
 * Where a code redirects, kept in memory for a short while so the click path does not query for
 * it every time. It holds only the target and the link's owner: statuses, rates, caps and
 * de-duplication are decided in the writing transaction, so a cached entry can at worst send a
 * visitor to a target URL edited less than `ttlMs` ago — it can never break a money rule.
 */
import type { Db } from '../../db/client.js';
import { findLinkTarget, type LinkTarget } from './click-recorder.js';

interface Entry {
  link: LinkTarget | null;
  expires: number;
}

export class LinkCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
    private readonly missTtlMs = 2_000,
    private readonly maxEntries = 100_000,
  ) {}

  async get(code: string, now = Date.now()): Promise<LinkTarget | null> {
    const hit = this.entries.get(code);
    if (hit && hit.expires > now) return hit.link;
    const link = await findLinkTarget(this.db, code);
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.maxEntries / 10);
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop === 0) break;
      }
    }
    this.entries.delete(code);
    this.entries.set(code, { link, expires: now + (link ? this.ttlMs : this.missTtlMs) });
    return link;
  }

  /** Forgets every entry (after a campaign's target URL changes on this instance). */
  clear(): void {
    this.entries.clear();
  }
}
