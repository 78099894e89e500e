-- record_click_batch_with_ids: one click batch and its receipt, in one transaction, answering each
-- click's verdict, amount and ledger id (the live definition).
--
-- The receipt (click_batches) is inserted first and its verdicts and ledger ids filled in at the
-- end, so from the batch's first statement its id is taken: click_batch_outcome_with_ids (its own
-- file) can then tell, once the batch can no longer change, whether it committed, and answer the
-- same ids (migrations 0008, 0009 and 0022). The previous result, without the ids, is
-- record_click_batch (record_click_batch.sql).

CREATE OR REPLACE FUNCTION record_click_batch_with_ids(
  p_batch            uuid,
  p_codes            text[],
  p_at               timestamptz[],
  p_app_verdicts     text[],
  p_signed_in        uuid[],
  p_dedupe_keys      text[],
  p_visitor_hashes   text[],
  p_dedupe_hours     integer,
  p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer, click_event_id bigint)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
DECLARE
  v_verdicts text[];
  v_amounts  integer[];
  v_ids      bigint[];
BEGIN
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, '{}', '{}');
  SELECT coalesce(array_agg(r.verdict ORDER BY r.i), '{}'), coalesce(array_agg(r.amount ORDER BY r.i), '{}'), coalesce(array_agg(r.id ORDER BY r.i), '{}')
    INTO v_verdicts, v_amounts, v_ids
    FROM record_clicks_with_ids(p_codes, p_at, p_app_verdicts, p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
         WITH ORDINALITY AS r(verdict, amount, id, i);
  UPDATE click_batches SET verdicts = v_verdicts, amounts = v_amounts, event_ids = v_ids WHERE id = p_batch;
  RETURN QUERY SELECT r.verdict, r.amount, r.id FROM unnest(v_verdicts, v_amounts, v_ids) WITH ORDINALITY AS r(verdict, amount, id, i) ORDER BY r.i;
END;
$$;
