-- A partner's connected social accounts (src/modules/publishing/accounts.ts): where their approved
-- publications go. Credentials (tokens, app passwords, webhook secrets) are sealed with their own
-- key (lib/sealed.ts) and never shown again whole; `label` is what the partner recognises
-- (@handle, the webhook's host).
CREATE TABLE connected_accounts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id         uuid NOT NULL REFERENCES partners (id),
  network            text NOT NULL CHECK (network IN ('bluesky', 'mastodon', 'telegram', 'discord', 'webhook')),
  label              text NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
  -- The server called for this account (a Mastodon instance, a webhook URL), checked when entered.
  endpoint           text,
  credentials_sealed text NOT NULL,
  -- connected → needs_reconnect (a revoked or expired credential; nothing is retried) → connected
  -- again; disconnected when the partner removes it (kept for the publications that name it).
  state              text NOT NULL DEFAULT 'connected' CHECK (state IN ('connected', 'needs_reconnect', 'disconnected')),
  state_detail       text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connected_accounts_partner ON connected_accounts (partner_id, created_at);

-- Plug & Earn's registration on each Mastodon instance (POST /api/v1/apps), made once and reused.
CREATE TABLE mastodon_apps (
  instance_url         text PRIMARY KEY,
  redirect_uri         text NOT NULL,
  client_id            text NOT NULL,
  client_secret_sealed text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now()
);

-- A connection under way (the partner is on their instance approving it): the OAuth `state`,
-- stored hashed, one use, 15 minutes.
CREATE TABLE account_connections (
  state_hash   text PRIMARY KEY,
  partner_id   uuid NOT NULL REFERENCES partners (id),
  network      text NOT NULL,
  endpoint     text NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
