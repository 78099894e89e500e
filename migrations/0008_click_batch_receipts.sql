-- A receipt per click batch, so that a batch whose answer was lost is never written twice.
--
-- When the connection drops after PostgreSQL committed a batch but before the app read the answer,
-- the app cannot tell whether the batch landed. It used to write each click again, one by one:
-- committed twice, as duplicates (unpaid while de-duplication is on, but counted, and with
-- CLICK_DEDUPE_HOURS=0 paid twice). Now each batch carries an id chosen by the app, and the same
-- transaction that writes its clicks stores the receipt: the id and the verdicts. After a failure
-- the app looks for the receipt first; found, the batch landed and its verdicts are known. A batch
-- sent again under the same id fails on the primary key and changes nothing.
--
-- Receipts older than a day are deleted by the hourly housekeeping.

CREATE TABLE click_batches (
  id         uuid PRIMARY KEY,
  written_at timestamptz NOT NULL DEFAULT now(),
  verdicts   text[] NOT NULL,
  amounts    integer[] NOT NULL CHECK (cardinality(amounts) = cardinality(verdicts))
);
CREATE INDEX click_batches_written_at ON click_batches (written_at);

-- record_clicks (migration 0007) and the receipt, in one transaction; same results, same order.
CREATE FUNCTION record_click_batch(
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
  SELECT coalesce(array_agg(r.verdict ORDER BY r.i), '{}'), coalesce(array_agg(r.amount ORDER BY r.i), '{}')
    INTO v_verdicts, v_amounts
    FROM record_clicks(p_codes, p_at, p_is_bot, p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
         WITH ORDINALITY AS r(verdict, amount, i);
  INSERT INTO click_batches (id, verdicts, amounts) VALUES (p_batch, v_verdicts, v_amounts);
  RETURN QUERY SELECT r.verdict, r.amount FROM unnest(v_verdicts, v_amounts) WITH ORDINALITY AS r(verdict, amount, i) ORDER BY r.i;
END;
$$;
