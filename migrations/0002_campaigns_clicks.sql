-- Campaigns with their ready-to-post texts, tracked links per partner, the click ledger's
-- de-duplication window and the per-partner daily summary kept current in the click's transaction.

ALTER TABLE campaigns
  ADD COLUMN posts text[] NOT NULL DEFAULT '{}',
  ADD COLUMN is_demo boolean NOT NULL DEFAULT false,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE partners ADD COLUMN is_demo boolean NOT NULL DEFAULT false;
-- Pseudonyms are unique whatever their case.
ALTER TABLE partners DROP CONSTRAINT partners_pseudonym_key;
CREATE UNIQUE INDEX partners_pseudonym_lower ON partners (lower(pseudonym));

CREATE INDEX tracked_links_campaign ON tracked_links (campaign_id);

-- One row per (link, visitor) while its de-duplication window lasts. The key is a keyed hash of
-- link, address and user agent: no address is stored, and keys of two links cannot be linked.
CREATE TABLE click_dedupe (
  link_code   text NOT NULL,
  visitor_key text NOT NULL,
  counted_at  timestamptz NOT NULL,
  PRIMARY KEY (link_code, visitor_key)
);
CREATE INDEX click_dedupe_counted_at ON click_dedupe (counted_at);

-- Per partner and UTC day: valid clicks, their earnings, and the clicks not counted by reason.
-- Written in the same transaction as each click; `metric_events` stays the source of truth and
-- `npm run cli -- stats verify` recomputes this table from it.
CREATE TABLE partner_daily_stats (
  partner_id   uuid NOT NULL REFERENCES partners (id),
  day          date NOT NULL,
  valid_clicks integer NOT NULL DEFAULT 0 CHECK (valid_clicks >= 0),
  earned_cents bigint NOT NULL DEFAULT 0 CHECK (earned_cents >= 0),
  bot          integer NOT NULL DEFAULT 0,
  duplicate    integer NOT NULL DEFAULT 0,
  self         integer NOT NULL DEFAULT 0,
  over_cap     integer NOT NULL DEFAULT 0,
  inactive     integer NOT NULL DEFAULT 0,
  suspended    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, day)
);
CREATE INDEX partner_daily_stats_day ON partner_daily_stats (day);

CREATE INDEX metric_events_link_time ON metric_events (link_code, occurred_at);
