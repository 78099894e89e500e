/**
 * Where a code redirects, kept in memory for a short while so the click path does not query for
 * it every time. It holds only the target and the link's owner: statuses, rates, caps and
 * de-duplication are decided in the writing transaction, so a cached entry can at worst send a
 * visitor to a target URL edited less than `ttlMs` ago — it can never break a money rule.
 * Misses that arrive together are looked up in one query (on the embedded database every query
 * waits its turn on the single connection, so one per request would queue behind the writer).
 */
import type { Db } from '../../db/client.js';
import { findLinkTargets, type LinkTarget } from './click-recorder.js';

interface Entry {
  link: LinkTarget | null;
  expires: number;
}

export class LinkCache {
  private readonly entries = new Map<string, Entry>();
  private waiting = new Map<string, Array<{ resolve: (link: LinkTarget | null) => void; reject: (error: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
    private readonly missTtlMs = 2_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** The cached answer without waiting: the link, null for a known miss, undefined when not cached. */
  peek(code: string, now = Date.now()): LinkTarget | null | undefined {
    const hit = this.entries.get(code);
    return hit && hit.expires > now ? hit.link : undefined;
  }

  get(code: string, now = Date.now()): Promise<LinkTarget | null> {
    const hit = this.entries.get(code);
    if (hit && hit.expires > now) return Promise.resolve(hit.link);
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(code);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(code, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.lookUp());
      }
    });
  }

  private async lookUp(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    try {
      const found = await findLinkTargets(this.db, [...batch.keys()]);
      const now = Date.now();
      this.makeRoom(batch.size);
      for (const [code, waiters] of batch) {
        const link = found.get(code) ?? null;
        this.entries.delete(code);
        this.entries.set(code, { link, expires: now + (link ? this.ttlMs : this.missTtlMs) });
        for (const w of waiters) w.resolve(link);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    }
  }

  private makeRoom(incoming: number): void {
    if (this.entries.size + incoming <= this.maxEntries) return;
    // Maps iterate in insertion order: drop the oldest tenth.
    let drop = Math.max(incoming, Math.ceil(this.maxEntries / 10));
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      if (--drop === 0) break;
    }
  }
}
