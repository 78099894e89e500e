-- A readable audit log. Each entry keeps what is needed to say it in the reader's language
-- (params: amounts in cents, counts, names, reasons), instead of English text in `detail`;
-- entries written before this migration keep their text and are shown as they are.
ALTER TABLE audit_log ADD COLUMN params jsonb;

-- The partner an entry concerns (their sign-ins, their status, their withdrawals), so the log can
-- be read for one partner. Set by the app when it writes; filled here for the entries before it.
ALTER TABLE audit_log ADD COLUMN partner_id uuid;
UPDATE audit_log SET partner_id = substring(subject FROM 9)::uuid
  WHERE subject ~ '^partner:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
UPDATE audit_log SET partner_id = w.partner_id
  FROM withdraw_requests w
  WHERE audit_log.subject = 'withdrawal:' || w.id::text;
CREATE INDEX audit_log_partner ON audit_log (partner_id, id) WHERE partner_id IS NOT NULL;
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Why a partner is suspended: shown to them when they try to sign in, sent to them by email.
ALTER TABLE partners ADD COLUMN status_reason text;
