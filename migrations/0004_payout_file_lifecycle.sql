-- A request belongs to at most one open payout file: it cannot be exported twice, nor rejected
-- or paid alone while the bank may be paying it. A file can be cancelled before it is paid.
ALTER TABLE payout_files ADD COLUMN cancelled_at timestamptz;
ALTER TABLE payout_files ADD CONSTRAINT payout_files_paid_or_cancelled CHECK (paid_at IS NULL OR cancelled_at IS NULL);
CREATE INDEX withdraw_requests_payout_file ON withdraw_requests (payout_file);
-- Requests in files that were open before this migration belong to those files from now on.
UPDATE withdraw_requests w SET payout_file = f.message_id
FROM payout_files f
WHERE f.paid_at IS NULL AND w.id = ANY (f.request_ids) AND w.status = 'approved' AND w.payout_file IS NULL;

-- A random key per UTC day for visitor hashes: deleted once the day is over, so a visitor hash
-- can no longer be recomputed from an address, even by someone holding APP_SECRET.
CREATE TABLE visitor_day_keys (
  day date PRIMARY KEY,
  key text NOT NULL
);
