-- record_click_batch: one click batch and its receipt, in one transaction (the live definition).
--
-- The receipt (click_batches) is inserted first and its verdicts filled in at the end, so from the
-- batch's first statement its id is taken: click_batch_outcome (its own file) can then tell, once
-- the batch can no longer change, whether it committed (migrations 0008 and 0009).

CREATE OR REPLACE FUNCTION record_click_batch(
  p_batch            uuid,
  p_codes            text[],
  p_at               timestamptz[],
  p_app_verdicts     text[],
  p_signed_in        uuid[],
  p_dedupe_keys      text[],
  p_visitor_hashes   text[],
  p_dedupe_hours     integer,
  p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
DECLARE
  v_verdicts text[];
  v_amounts  integer[];
BEGIN
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, '{}', '{}');
  SELECT coalesce(array_agg(r.verdict ORDER BY r.i), '{}'), coalesce(array_agg(r.amount ORDER BY r.i), '{}')
    INTO v_verdicts, v_amounts
    FROM record_clicks(p_codes, p_at, p_app_verdicts, p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
         WITH ORDINALITY AS r(verdict, amount, i);
  UPDATE click_batches SET verdicts = v_verdicts, amounts = v_amounts WHERE id = p_batch;
  RETURN QUERY SELECT r.verdict, r.amount FROM unnest(v_verdicts, v_amounts) WITH ORDINALITY AS r(verdict, amount, i) ORDER BY r.i;
END;
$$;

-- The previous signature (a bot flag per click instead of the app's verdicts), kept for an
-- instance still running the previous version while another upgrades the database (PostgreSQL,
-- several instances): its clicks go through the one definition above.
CREATE OR REPLACE FUNCTION record_click_batch(
  p_batch uuid, p_codes text[], p_at timestamptz[], p_is_bot boolean[], p_signed_in uuid[],
  p_dedupe_keys text[], p_visitor_hashes text[], p_dedupe_hours integer, p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE sql VOLATILE AS $$
  SELECT * FROM record_click_batch(
    p_batch, p_codes, p_at,
    ARRAY(SELECT CASE WHEN b THEN 'bot' END FROM unnest(p_is_bot) WITH ORDINALITY AS f(b, i) ORDER BY i),
    p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
$$;
