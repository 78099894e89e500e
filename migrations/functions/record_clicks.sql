-- record_clicks: the previous signatures of the click rules (the live definitions), kept for an
-- instance of a previous version while another upgrades the database (PostgreSQL, several
-- instances). Their clicks go through record_clicks_with_ids (its own file), which holds the
-- rules; they answer as they did, without the ledger ids (migration 0022).
--
-- PL/pgSQL, not SQL: its body is not checked against record_clicks_with_ids when it is created,
-- which the files' order (by name) would otherwise require.

CREATE OR REPLACE FUNCTION record_clicks(
  p_codes text[], p_at timestamptz[], p_app_verdicts text[], p_signed_in uuid[], p_dedupe_keys text[],
  p_visitor_hashes text[], p_dedupe_hours integer, p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN QUERY SELECT r.click_verdict, r.click_amount_cents
    FROM record_clicks_with_ids(p_codes, p_at, p_app_verdicts, p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day) AS r;
END;
$$;

-- The signature before (a bot flag per click instead of the app's verdicts).
CREATE OR REPLACE FUNCTION record_clicks(
  p_codes text[], p_at timestamptz[], p_is_bot boolean[], p_signed_in uuid[], p_dedupe_keys text[],
  p_visitor_hashes text[], p_dedupe_hours integer, p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE sql VOLATILE AS $$
  SELECT * FROM record_clicks(
    p_codes, p_at,
    ARRAY(SELECT CASE WHEN b THEN 'bot' END FROM unnest(p_is_bot) WITH ORDINALITY AS f(b, i) ORDER BY i),
    p_signed_in, p_dedupe_keys, p_visitor_hashes, p_dedupe_hours, p_max_paid_per_day)
$$;
