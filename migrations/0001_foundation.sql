-- Foundation: partners, sign-in, sessions, rate limits, audit log, and the ledger tables of the
-- spec (campaigns, tracked links, click events, withdrawal requests, payouts).
-- Money is always an integer number of euro cents. PostgreSQL 15 features at most.

CREATE TABLE partners (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
  role          text NOT NULL DEFAULT 'partner' CHECK (role IN ('partner', 'admin')),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  pseudonym     text UNIQUE CHECK (length(pseudonym) BETWEEN 2 AND 40),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);

-- Magic-link tokens: only the SHA-256 of the token is kept.
CREATE TABLE login_tokens (
  token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
  partner_id uuid NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX login_tokens_expiry ON login_tokens (expires_at);

-- Server-side sessions: only the SHA-256 of the session id is kept.
CREATE TABLE sessions (
  id_hash    text PRIMARY KEY CHECK (length(id_hash) = 64),
  partner_id uuid NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_partner ON sessions (partner_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Fixed-window counters shared by every app process. Keys are keyed hashes, never raw emails or IPs.
CREATE TABLE rate_limit_hits (
  bucket       text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL CHECK (hits > 0),
  PRIMARY KEY (bucket, window_start)
);

CREATE TABLE campaigns (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  target_url      text NOT NULL CHECK (target_url ~ '^https?://'),
  rate_cents      integer NOT NULL CHECK (rate_cents >= 0),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tracked_links (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z]{8,32}$'),
  partner_id  uuid NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (partner_id, campaign_id)
);

-- The click ledger (the seed's metric_events). Each click keeps the rate it earned at that moment.
CREATE TABLE metric_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('click')),
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  partner_id   uuid NOT NULL REFERENCES partners (id),
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  link_code    text NOT NULL REFERENCES tracked_links (code),
  verdict      text NOT NULL CHECK (verdict IN ('valid', 'bot', 'duplicate', 'self', 'over_cap', 'inactive', 'suspended')),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0 AND (verdict = 'valid' OR amount_cents = 0)),
  visitor_hash text
);
CREATE INDEX metric_events_partner_time ON metric_events (partner_id, occurred_at);

CREATE TABLE withdraw_requests (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id        uuid NOT NULL REFERENCES partners (id),
  amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
  method            text NOT NULL CHECK (method IN ('paypal', 'bank')),
  details_encrypted text NOT NULL,
  details_masked    text NOT NULL,
  status            text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'paid', 'rejected')),
  idempotency_key   text,
  reason            text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  processed_at      timestamptz,
  UNIQUE (partner_id, idempotency_key)
);
CREATE INDEX withdraw_requests_partner ON withdraw_requests (partner_id);
CREATE INDEX withdraw_requests_status ON withdraw_requests (status);

-- A paid withdrawal becomes exactly one payout (UNIQUE on the request).
CREATE TABLE payouts (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  withdraw_request_id uuid NOT NULL UNIQUE REFERENCES withdraw_requests (id),
  partner_id          uuid NOT NULL REFERENCES partners (id),
  amount_cents        bigint NOT NULL CHECK (amount_cents > 0),
  method              text NOT NULL CHECK (method IN ('paypal', 'bank')),
  reference           text NOT NULL CHECK (length(reference) BETWEEN 1 AND 140),
  paid_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payouts_partner ON payouts (partner_id);

-- Who did what, when: sign-ins, role changes, and later every withdrawal transition.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    uuid REFERENCES partners (id),
  actor_label text NOT NULL,
  action      text NOT NULL,
  subject     text,
  from_state  text,
  to_state    text,
  detail      text
);
CREATE INDEX audit_log_at ON audit_log (at);
