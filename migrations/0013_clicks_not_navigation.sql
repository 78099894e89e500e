-- A click must be a navigation: the verdict `not_navigation`.
--
-- A partner could put `<img src=".../r/CODE">`, a `<script src>` or a `fetch()` on a busy page:
-- every visitor's real browser then loaded the link with an ordinary user agent, and each load was
-- paid as a valid click. Browsers say what a request is for (Fetch Metadata); the app decides, as
-- it decides bots, that a request declaring a destination other than `document` or a mode other
-- than `navigate` is not a click the partner is paid for (click-rules.ts). It is recorded with its
-- own reason, counted in the daily summary, and never takes a de-duplication slot or a place
-- under the daily cap.
--
-- The app now hands record_clicks its own verdict per click (`bot`, `not_navigation` or null)
-- instead of a bot flag: the new bodies are in migrations/functions/, applied in the same
-- transaction as this file. Rules in order: bot → not_navigation → inactive → suspended → self →
-- duplicate → over_cap → valid.

-- Click batches may be running (other instances, during an upgrade). They take their tables in
-- this order (record_click_batch: the receipt, the link, its campaign and partner, the visitor's
-- de-duplication row, the partner-day summary, the ledger): taking them in the same order here,
-- a batch either finishes first or waits for this transaction, and the two never deadlock.
LOCK TABLE click_batches, tracked_links, campaigns, partners, click_dedupe, partner_daily_stats, metric_events IN ACCESS EXCLUSIVE MODE;

ALTER TABLE metric_events DROP CONSTRAINT metric_events_verdict_check;
-- NOT VALID: every existing row passed the old rule, which allowed a subset of the new one, so the
-- ledger is not scanned again (new and updated rows are checked as usual).
ALTER TABLE metric_events ADD CONSTRAINT metric_events_verdict_check
  CHECK (verdict IN ('valid', 'bot', 'duplicate', 'self', 'over_cap', 'inactive', 'suspended', 'not_navigation')) NOT VALID;

-- A constant default: no table rewrite.
ALTER TABLE partner_daily_stats ADD COLUMN not_navigation integer NOT NULL DEFAULT 0;

-- The previous signatures of record_clicks and record_click_batch stay, as wrappers of the new
-- ones (migrations/functions/): a batch of an instance of the previous version may be running its
-- old body while this transaction commits.
