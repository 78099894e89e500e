-- A partner's saved payout method (one per partner), and the changes to it that wait for the
-- partner's confirmation by email. A change becomes the saved method only through its one-time
-- link: a session alone (perhaps hijacked) can never redirect payouts. Only the token's SHA-256 is
-- stored; the details are encrypted by the app exactly as a request's are (payout-details.ts).

CREATE TABLE payout_methods (
  partner_id        uuid PRIMARY KEY REFERENCES partners (id),
  method            text NOT NULL CHECK (method IN ('paypal', 'bank')),
  details_encrypted text NOT NULL,
  details_masked    text NOT NULL,
  confirmed_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payout_method_changes (
  token_hash        text PRIMARY KEY CHECK (length(token_hash) = 64),
  partner_id        uuid NOT NULL REFERENCES partners (id),
  method            text NOT NULL CHECK (method IN ('paypal', 'bank')),
  details_encrypted text NOT NULL,
  details_masked    text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  used_at           timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX payout_method_changes_partner ON payout_method_changes (partner_id);
