-- click_batch_outcome: the previous signature of the receipt lookup (the live definition), kept for
-- an instance of the previous version while another upgrades the database (PostgreSQL, several
-- instances): click_batch_outcome_with_ids (its own file) without the ledger ids (migration 0022).
-- PL/pgSQL, not SQL: its body is not checked against the other file when it is created.

CREATE OR REPLACE FUNCTION click_batch_outcome(p_batch uuid) RETURNS TABLE (landed boolean, verdicts text[], amounts integer[])
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN QUERY SELECT o.landed, o.verdicts, o.amounts FROM click_batch_outcome_with_ids(p_batch) AS o;
END;
$$;
