-- A pseudonym cannot impersonate another. Each pseudonym is stored with its keys: its confusable
-- skeletons (UTS #39) taken after NFKC, with case folded before and after (computed by the app,
-- src/modules/partners/pseudonym.ts). A key belongs to one partner only, so « LINA », « Lіna »
-- (a Cyrillic « і ») or « AIex » (a capital i) cannot be taken once « Lina » or « Alex » is.
--
-- Pseudonyms chosen before this migration, or set by an instance of an older version during an
-- upgrade, have no keys yet: the app gives them keys at start, hourly, and before it checks a new
-- pseudonym (oldest partner first; where two already look alike, one is cleared and audited).

CREATE TABLE pseudonym_keys (
  key        text COLLATE "C" PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners (id),
  -- The pseudonym the key was computed from.
  pseudonym  text NOT NULL
);
CREATE INDEX pseudonym_keys_partner ON pseudonym_keys (partner_id);

-- A partner whose pseudonym changes loses the keys of the old one, whoever changes it (an older
-- version of the app knows nothing of keys): no key outlives its pseudonym.
CREATE FUNCTION pseudonym_keys_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pseudonym_keys WHERE partner_id = NEW.id AND pseudonym IS DISTINCT FROM NEW.pseudonym;
  RETURN NULL;
END;
$$;
CREATE TRIGGER partners_pseudonym_keys_follow AFTER UPDATE OF pseudonym ON partners
  FOR EACH ROW WHEN (OLD.pseudonym IS DISTINCT FROM NEW.pseudonym) EXECUTE FUNCTION pseudonym_keys_follow();

-- Finding the pseudonyms still without keys stays cheap: partners with a pseudonym are few.
CREATE INDEX partners_with_pseudonym ON partners (created_at, id) WHERE pseudonym IS NOT NULL;
