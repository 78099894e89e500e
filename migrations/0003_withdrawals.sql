-- Withdrawals: request fingerprints for idempotent replays, decision fields, payout files,
-- and each partner's language for the emails that tell them about their requests.

ALTER TABLE partners ADD COLUMN locale text CHECK (locale IN ('fr', 'en'));

ALTER TABLE withdraw_requests
  ADD COLUMN fingerprint text,
  ADD COLUMN reference text CHECK (length(reference) <= 140),
  ADD COLUMN approved_at timestamptz,
  ADD COLUMN decided_by text,
  ADD COLUMN payout_file text;
-- The amount check of 0001 allows any positive amount; the threshold is the service's rule
-- (PAYOUT_MIN_EUR can change), the sign is the database's.
ALTER TABLE withdraw_requests ADD CONSTRAINT withdraw_requests_reason_when_rejected
  CHECK (status <> 'rejected' OR (reason IS NOT NULL AND length(reason) BETWEEN 1 AND 500));
ALTER TABLE withdraw_requests ADD CONSTRAINT withdraw_requests_reference_when_paid
  CHECK (status <> 'paid' OR reference IS NOT NULL);

-- A payout file the operator downloaded: which requests it holds, under which message id.
CREATE TABLE payout_files (
  message_id  text PRIMARY KEY CHECK (length(message_id) BETWEEN 1 AND 35),
  method      text NOT NULL CHECK (method IN ('paypal', 'bank')),
  request_ids uuid[] NOT NULL,
  total_cents bigint NOT NULL CHECK (total_cents > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  paid_at     timestamptz
);
