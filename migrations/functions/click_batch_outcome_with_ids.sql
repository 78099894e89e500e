-- click_batch_outcome_with_ids: whether a click batch committed, once it can no longer, with its
-- clicks' ledger ids (the live definition).
--
-- Inserts an empty receipt under the batch's id: if the batch is running, the insert waits for it
-- to end; if it committed, nothing is inserted and its verdicts and ledger ids are read; if it
-- rolled back or never started, the empty receipt takes its place and the batch can never commit
-- (its own insert would fail on the key). Waits at most 10 s; then the outcome stays unknown
-- (migrations 0009 and 0022). The previous result, without the ids, is click_batch_outcome.

CREATE OR REPLACE FUNCTION click_batch_outcome_with_ids(p_batch uuid)
RETURNS TABLE (landed boolean, verdicts text[], amounts integer[], event_ids bigint[])
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
DECLARE
  v_fenced integer;
BEGIN
  PERFORM set_config('lock_timeout', '10s', true);
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, '{}', '{}') ON CONFLICT (id) DO NOTHING;
  GET DIAGNOSTICS v_fenced = ROW_COUNT;
  IF v_fenced = 1 THEN
    RETURN QUERY SELECT false, NULL::text[], NULL::integer[], NULL::bigint[];
  ELSE
    -- A new statement, a new snapshot: it sees the batch that the insert waited for.
    RETURN QUERY SELECT true, b.verdicts, b.amounts, b.event_ids FROM click_batches b WHERE b.id = p_batch;
  END IF;
END;
$$;
