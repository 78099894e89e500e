/**
 * Group commit for clicks: requests hand their click to the writer and wait; the writer commits
 * whatever has queued in one transaction, then answers them all. One batch is in flight at a time,
 * so under load batches grow by themselves and the database does a few statements per batch
 * instead of per click. A lone click is written at once: no timer adds latency.
 */
import type { Db } from '../../db/client.js';
import { recordClicks, type ClickRules, type PendingClick, type RecordedClick } from './click-recorder.js';

interface Waiting {
  click: PendingClick;
  resolve: (result: RecordedClick) => void;
  reject: (error: unknown) => void;
}

export class ClickWriter {
  private queue: Waiting[] = [];
  private running: Promise<void> | null = null;
  /** Batches written so far, and clicks in them (for the benchmark and the logs). */
  readonly stats = { batches: 0, clicks: 0, largestBatch: 0 };

  constructor(
    private readonly db: Db,
    private readonly rules: ClickRules,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves once the click is committed; rejects if it could not be. */
  record(click: PendingClick): Promise<RecordedClick> {
    return new Promise((resolve, reject) => {
      this.queue.push({ click, resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Waits until every click handed over so far is committed (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.write(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const results = await recordClicks(this.db, batch.map((w) => w.click), this.rules);
      this.stats.batches += 1;
      this.stats.clicks += batch.length;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad click must not lose the others: write each alone.
      for (const w of batch) {
        try {
          w.resolve((await recordClicks(this.db, [w.click], this.rules))[0]!);
        } catch (single) {
          w.reject(single);
        }
      }
    }
  }
}
