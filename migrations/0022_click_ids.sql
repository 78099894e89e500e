-- Click ids (issue 17): the redirect appends to the campaign's URL an id naming the click, so that
-- the shop can report a sale later (`campaigns.click_param`, migration 0021; the id is the click's
-- metric_events id with a MAC, src/modules/clicks/click-id.ts). The ids come from the call that
-- writes the clicks: no index on the ledger, no round trip of its own.
--
-- A function's result cannot change in place, and an instance of the previous version may still
-- call record_click_batch and click_batch_outcome while this one upgrades the database. The ids
-- are therefore answered by new functions (migrations/functions/: record_clicks_with_ids,
-- record_click_batch_with_ids, click_batch_outcome_with_ids, applied in this transaction), and the
-- previous names stay, as wrappers answering what they did.
--
-- The receipt keeps the ids with the verdicts: a batch whose answer was lost gets them back from
-- its receipt. Null in the receipts of the previous version's batches and in fences.
ALTER TABLE click_batches ADD COLUMN event_ids bigint[];
-- NOT VALID: every existing row has a null; new and updated rows are checked as usual.
ALTER TABLE click_batches ADD CONSTRAINT click_batches_event_ids_check
  CHECK (event_ids IS NULL OR cardinality(event_ids) = cardinality(verdicts)) NOT VALID;
