-- The receipt of a click batch (migration 0008) becomes a fence, so that a batch whose answer was
-- lost can never be written twice, whenever it runs.
--
-- When the connection drops, PostgreSQL does not stop the batch: it finishes and commits it. The
-- app's lookup of the receipt, on another connection, could come before that commit (or even
-- before the batch started), find nothing, and write the clicks again. Now:
--   * a batch inserts its receipt first and fills in the verdicts at the end, so from its first
--     statement until it ends the receipt's key is taken;
--   * the lookup inserts an empty receipt under the same id. If the batch is running, the insert
--     waits for it to end. If the batch committed, the insert does nothing and the lookup reads
--     the verdicts. If it rolled back, or has not started, the empty receipt takes its place: the
--     batch can no longer commit (its own insert would fail on the key), and the app may write
--     its clicks again.
-- The lookup waits at most 10 s (lock_timeout); then the outcome stays unknown and the app writes
-- nothing again.

CREATE OR REPLACE FUNCTION record_click_batch(
  p_batch            uuid,
  p_codes            text[],
  p_at               timestamptz[],
  p_is_bot           boolean[],
  p_signed_in        uuid[],
  p_dedupe_keys      text[],
  p_visitor_hashes   text[],
  p_dedupe_hours     integer,
  p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_verdicts text[];
  v_amounts  integer[];
BEGIN
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, '{}', '{}');
  SELECT coalesce(array_agg(r.verdict ORDER BY r.i), '{}'), coalesce(array_agg(r.amount ORDER BY r.i), '{}')
    INTO v_verdicts, v_amounts
    FROM record_clicks(p_codes, p_at, p_is_bot, p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
         WITH ORDINALITY AS r(verdict, amount, i);
  UPDATE click_batches SET verdicts = v_verdicts, amounts = v_amounts WHERE id = p_batch;
  RETURN QUERY SELECT r.verdict, r.amount FROM unnest(v_verdicts, v_amounts) WITH ORDINALITY AS r(verdict, amount, i) ORDER BY r.i;
END;
$$;

-- Whether a batch committed, once it can no longer: landed with its verdicts, or not landed (and
-- fenced off for good).
CREATE FUNCTION click_batch_outcome(p_batch uuid) RETURNS TABLE (landed boolean, verdicts text[], amounts integer[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_fenced integer;
BEGIN
  PERFORM set_config('lock_timeout', '10s', true);
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, '{}', '{}') ON CONFLICT (id) DO NOTHING;
  GET DIAGNOSTICS v_fenced = ROW_COUNT;
  IF v_fenced = 1 THEN
    RETURN QUERY SELECT false, NULL::text[], NULL::integer[];
  ELSE
    -- A new statement, a new snapshot: it sees the batch that the insert waited for.
    RETURN QUERY SELECT true, b.verdicts, b.amounts FROM click_batches b WHERE b.id = p_batch;
  END IF;
END;
$$;
