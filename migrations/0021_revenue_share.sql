-- Revenue share (issue 17; src/modules/sales/): a campaign may pay a share of the sales a partner
-- brings, reported with the click id the redirect hands the shop; commissions are held for the
-- campaign's holding period, refunds cancel them (pro rata), later refunds and the operator's
-- corrections are adjustments. Integer cents throughout; every rule the database can hold, it holds.

-- What a campaign pays: per valid click (rate_cents, which may be 0), per sale — a share of its
-- amount in basis points (1 bp = 0.01 %) and/or a fixed amount — or both.
ALTER TABLE campaigns ADD COLUMN commission_bp integer NOT NULL DEFAULT 0 CHECK (commission_bp BETWEEN 0 AND 10000);
ALTER TABLE campaigns ADD COLUMN commission_fixed_cents integer NOT NULL DEFAULT 0 CHECK (commission_fixed_cents BETWEEN 0 AND 1000000);
-- A sale earns if its click is at most this many days older than it (last click wins).
ALTER TABLE campaigns ADD COLUMN attribution_days integer NOT NULL DEFAULT 30 CHECK (attribution_days BETWEEN 1 AND 365);
-- A commission is pending this many days after the sale (refunds cancel it), then confirmed.
ALTER TABLE campaigns ADD COLUMN holding_days integer NOT NULL DEFAULT 30 CHECK (holding_days BETWEEN 0 AND 365);
-- The query parameter that carries the click id to the shop.
ALTER TABLE campaigns ADD COLUMN click_param text NOT NULL DEFAULT 'pe_click' CHECK (click_param ~ '^[A-Za-z][A-Za-z0-9_]{0,39}$');
-- The conversion API's key (HMAC-SHA256), sealed: it is read back to check each signature; shown once.
ALTER TABLE campaigns ADD COLUMN conversion_secret_sealed text;
-- Stripe: the webhook endpoint's signing secret (sealed) and, when set, the only account whose
-- events are taken (Connect's `account`).
ALTER TABLE campaigns ADD COLUMN stripe_webhook_secret_sealed text;
ALTER TABLE campaigns ADD COLUMN stripe_account text CHECK (stripe_account IS NULL OR stripe_account ~ '^acct_[A-Za-z0-9]{1,64}$');

-- A reported sale, once per campaign and order (a retry finds the first). `attribution` says why it
-- earns or not: its click found, valid, the partner's, within the window — or not. The commission
-- is fixed when the sale is recorded, from the campaign's terms then.
CREATE TABLE sales (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id        uuid NOT NULL REFERENCES campaigns (id),
  order_id           text NOT NULL CHECK (length(order_id) BETWEEN 1 AND 200),
  source             text NOT NULL CHECK (source IN ('api', 'stripe', 'csv')),
  amount_cents       bigint NOT NULL CHECK (amount_cents BETWEEN 1 AND 100000000000),
  currency           text NOT NULL DEFAULT 'EUR' CHECK (currency = 'EUR'),
  sold_at            timestamptz NOT NULL,
  customer_ref       text CHECK (customer_ref IS NULL OR length(customer_ref) BETWEEN 1 AND 200),
  -- The click id as the shop sent it (kept to explain a refusal), and the click it names.
  click_ref          text CHECK (click_ref IS NULL OR length(click_ref) BETWEEN 1 AND 200),
  click_event_id     bigint REFERENCES metric_events (id),
  partner_id         uuid REFERENCES partners (id),
  attribution        text NOT NULL CHECK (attribution IN ('attributed', 'no_click', 'unknown_click', 'other_campaign', 'outside_window', 'invalid_click', 'own_click')),
  -- The click's verdict when it did not count (bot, duplicate, …).
  click_verdict      text,
  commission_cents   bigint NOT NULL DEFAULT 0 CHECK (commission_cents >= 0),
  -- Pending until then, confirmed after (null: nothing to hold).
  hold_until         timestamptz,
  refunded_cents     bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
  -- The part of the commission refunds cancelled while it was pending.
  reversed_cents     bigint NOT NULL DEFAULT 0 CHECK (reversed_cents >= 0 AND reversed_cents <= commission_cents),
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, order_id),
  CHECK ((attribution = 'attributed') = (partner_id IS NOT NULL)),
  CHECK (attribution = 'attributed' OR (commission_cents = 0 AND hold_until IS NULL)),
  CHECK (commission_cents = 0 OR hold_until IS NOT NULL)
);
CREATE INDEX sales_partner ON sales (partner_id, sold_at) WHERE partner_id IS NOT NULL;
CREATE INDEX sales_campaign ON sales (campaign_id, created_at);

-- A refund of a sale, once per reference (Stripe's refund id, the shop's own): the sale's refunded
-- total may never pass its amount. During the hold it cancels its share of the commission
-- (`reversed_cents`); after, the same share is a negative adjustment.
CREATE TABLE sale_refunds (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sale_id               uuid NOT NULL REFERENCES sales (id),
  refund_ref            text NOT NULL CHECK (length(refund_ref) BETWEEN 1 AND 200),
  amount_cents          bigint NOT NULL CHECK (amount_cents > 0),
  refunded_at           timestamptz NOT NULL,
  commission_cents      bigint NOT NULL CHECK (commission_cents >= 0),
  after_confirmation    boolean NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sale_id, refund_ref)
);

-- Money added to or taken from a partner's earnings outside clicks and commissions: an operator's
-- correction (audited, with its reason, shown to the partner) or a refund after confirmation.
CREATE TABLE adjustments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id    uuid NOT NULL REFERENCES partners (id),
  -- A refund after confirmation may take back a whole commission (sales go up to 1 000 000 000 €);
  -- an operator's own adjustment is bounded lower by the application (1 000 000 €).
  amount_cents  bigint NOT NULL CHECK (amount_cents <> 0 AND amount_cents BETWEEN -100000000000 AND 100000000000),
  kind          text NOT NULL CHECK (kind IN ('manual', 'refund')),
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  refund_id     uuid UNIQUE REFERENCES sale_refunds (id),
  -- The operator's confirmation it came from (one key per confirmation page): submitted twice, it
  -- is recorded once.
  request_key   text UNIQUE CHECK (request_key IS NULL OR request_key ~ '^[0-9a-f-]{36}$'),
  created_by    uuid REFERENCES partners (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'refund') = (refund_id IS NOT NULL)),
  CHECK (kind = 'manual' OR amount_cents < 0)
);
CREATE INDEX adjustments_partner ON adjustments (partner_id, created_at);
