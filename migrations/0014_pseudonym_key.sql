-- A pseudonym cannot impersonate another: each is stored with its key, its confusable skeleton
-- (UTS #39) after NFKC and case folding, computed by the app (src/modules/partners/pseudonym.ts),
-- and no two partners share a key. « Lina », « LINA » and « Lіna » (a Cyrillic « і ») have one key.
--
-- Pseudonyms chosen before this migration get their key at the next start (backfillPseudonymKeys,
-- oldest partner first); where two already look alike, the later one is cleared and audited.

ALTER TABLE partners ADD COLUMN pseudonym_key text;
CREATE UNIQUE INDEX partners_pseudonym_key ON partners (pseudonym_key);
-- A key belongs to a pseudonym: clearing the pseudonym clears it. (A pseudonym without its key is
-- one the start-up has not keyed yet.)
ALTER TABLE partners ADD CONSTRAINT partners_pseudonym_key_has_pseudonym CHECK (pseudonym_key IS NULL OR pseudonym IS NOT NULL);
