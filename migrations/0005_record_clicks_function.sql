-- A batch of clicks recorded by one call: one round trip per batch instead of eight (BEGIN, six
-- statements, COMMIT). Under load every round trip waits its turn behind HTTP work in the app's
-- event loop, so their number, more than the SQL, set how fast the redirect could go: 3,100 →
-- 5,400 redirects/s (BENCHMARKS.md). A single statement is its own transaction: the batch
-- commits whole or not at all.
--
-- The app decides what needs no database (bots, keyed hashes: click-recorder.ts); this function
-- applies the rest of the validity rules, in the same order:
--   bot → inactive → suspended → self → duplicate → over_cap → valid.
-- Campaign and partner status and the rate are read here, never cached. The de-duplication window
-- is enforced under the (link, visitor) row, the daily cap under the partner-day row, both locked
-- in a sorted order so that two writers cannot deadlock. Only a valid click earns, at the rate of
-- that moment, stored on the click. Results come back in the order of the arguments.

CREATE FUNCTION record_clicks(
  p_codes            text[],        -- each click's link code
  p_at               timestamptz[], -- when it happened
  p_is_bot           boolean[],     -- its user agent is a bot's (decided by the app with isbot)
  p_signed_in        uuid[],        -- the partner signed in on the clicking browser, or null
  p_dedupe_keys      text[],        -- keyed hash of link, address and user agent
  p_visitor_hashes   text[],        -- keyed hash of the visitor under the day's key, stored on the click
  p_dedupe_hours     integer,       -- 0: no de-duplication
  p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  n          integer := coalesce(cardinality(p_codes), 0);
  v_found    integer;
  v_partner  uuid[];
  v_campaign uuid[];
  v_rate     integer[];
  v_day      date[];
  v_verdict  text[];
  v_amount   integer[];
  v_days     integer;
  v_updated  integer;
BEGIN
  IF n = 0 THEN
    RETURN;
  END IF;
  IF cardinality(p_at) <> n OR cardinality(p_is_bot) <> n OR cardinality(p_signed_in) <> n
     OR cardinality(p_dedupe_keys) <> n OR cardinality(p_visitor_hashes) <> n THEN
    RAISE EXCEPTION 'record_clicks: arguments of different lengths';
  END IF;

  -- The link, its campaign's status and rate, its partner's status; the first rules.
  SELECT count(l.code)::integer,
         array_agg(l.partner_id ORDER BY c.i),
         array_agg(l.campaign_id ORDER BY c.i),
         array_agg(cp.rate_cents ORDER BY c.i),
         array_agg((c.at AT TIME ZONE 'UTC')::date ORDER BY c.i),
         array_agg(CASE WHEN c.is_bot THEN 'bot'
                        WHEN cp.status <> 'active' THEN 'inactive'
                        WHEN p.status <> 'active' THEN 'suspended'
                        WHEN c.signed_in = l.partner_id THEN 'self' END ORDER BY c.i)
    INTO v_found, v_partner, v_campaign, v_rate, v_day, v_verdict
    FROM unnest(p_codes, p_at, p_is_bot, p_signed_in) WITH ORDINALITY AS c(code, at, is_bot, signed_in, i)
    LEFT JOIN tracked_links l ON l.code = c.code
    LEFT JOIN campaigns cp ON cp.id = l.campaign_id
    LEFT JOIN partners p ON p.id = l.partner_id;
  IF v_found <> n THEN
    RAISE EXCEPTION 'record_clicks: a tracked link of this batch does not exist';
  END IF;

  -- Duplicates: a later click of the same visitor on the same link within the batch, then any
  -- click whose (link, visitor) row was counted less than the window ago.
  IF p_dedupe_hours > 0 THEN
    WITH firsts AS (
      SELECT DISTINCT ON (c.code, c.dedupe_key) c.i, c.code, c.dedupe_key, c.at
        FROM unnest(p_codes, p_dedupe_keys, p_at) WITH ORDINALITY AS c(code, dedupe_key, at, i)
       WHERE v_verdict[c.i::integer] IS NULL
       ORDER BY c.code, c.dedupe_key, c.i
    ), counted AS (
      INSERT INTO click_dedupe AS d (link_code, visitor_key, counted_at)
      SELECT f.code, f.dedupe_key, f.at FROM firsts f ORDER BY f.code, f.dedupe_key
      ON CONFLICT (link_code, visitor_key) DO UPDATE SET counted_at = excluded.counted_at
        WHERE d.counted_at <= excluded.counted_at - p_dedupe_hours * interval '1 hour'
      RETURNING d.link_code, d.visitor_key
    ), fresh AS (
      SELECT f.i FROM firsts f JOIN counted k ON k.link_code = f.code AND k.visitor_key = f.dedupe_key
    )
    SELECT array_agg(CASE WHEN v.verdict IS NULL AND fr.i IS NULL THEN 'duplicate' ELSE v.verdict END ORDER BY v.i)
      INTO v_verdict
      FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i)
      LEFT JOIN fresh fr ON fr.i = v.i;
  END IF;

  -- The daily cap. Every partner-day row this batch writes is created if missing and locked, in
  -- one sorted pass (not only those of clicks still undecided: two batches then always lock in the
  -- same order). Each statement of this function sees what committed before it began, and with
  -- the rows locked, their counts cannot move until this batch commits.
  INSERT INTO partner_daily_stats (partner_id, day)
  SELECT DISTINCT k.partner_id, k.day FROM unnest(v_partner, v_day) AS k(partner_id, day) ORDER BY 1, 2
  ON CONFLICT DO NOTHING;
  PERFORM 1
     FROM partner_daily_stats s
     JOIN (SELECT DISTINCT k.partner_id, k.day FROM unnest(v_partner, v_day) AS k(partner_id, day)) k
       ON k.partner_id = s.partner_id AND k.day = s.day
    ORDER BY s.partner_id, s.day
      FOR UPDATE OF s;

  -- The clicks still undecided, in order: valid while the partner's day stays within the cap.
  WITH undecided AS (
    SELECT v.i, v_partner[v.i::integer] AS partner_id, v_day[v.i::integer] AS day,
           row_number() OVER (PARTITION BY v_partner[v.i::integer], v_day[v.i::integer] ORDER BY v.i) AS nth
      FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i)
     WHERE v.verdict IS NULL
  ), decided AS (
    SELECT u.i, CASE WHEN s.valid_clicks + u.nth <= p_max_paid_per_day THEN 'valid' ELSE 'over_cap' END AS verdict
      FROM undecided u JOIN partner_daily_stats s ON s.partner_id = u.partner_id AND s.day = u.day
  )
  SELECT array_agg(coalesce(v.verdict, d.verdict) ORDER BY v.i),
         array_agg(CASE WHEN coalesce(v.verdict, d.verdict) = 'valid' THEN v_rate[v.i::integer] ELSE 0 END ORDER BY v.i)
    INTO v_verdict, v_amount
    FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i)
    LEFT JOIN decided d ON d.i = v.i;

  -- The summary: one row of deltas per partner and day.
  UPDATE partner_daily_stats s SET
         valid_clicks = s.valid_clicks + d.valid,
         earned_cents = s.earned_cents + d.earned,
         bot = s.bot + d.bot,
         duplicate = s.duplicate + d.duplicate,
         self = s.self + d.self,
         over_cap = s.over_cap + d.over_cap,
         inactive = s.inactive + d.inactive,
         suspended = s.suspended + d.suspended
    FROM (SELECT c.partner_id, c.day,
                 count(*) FILTER (WHERE c.verdict = 'valid') AS valid,
                 sum(c.amount) AS earned,
                 count(*) FILTER (WHERE c.verdict = 'bot') AS bot,
                 count(*) FILTER (WHERE c.verdict = 'duplicate') AS duplicate,
                 count(*) FILTER (WHERE c.verdict = 'self') AS self,
                 count(*) FILTER (WHERE c.verdict = 'over_cap') AS over_cap,
                 count(*) FILTER (WHERE c.verdict = 'inactive') AS inactive,
                 count(*) FILTER (WHERE c.verdict = 'suspended') AS suspended
            FROM unnest(v_partner, v_day, v_verdict, v_amount) AS c(partner_id, day, verdict, amount)
           GROUP BY c.partner_id, c.day) d
   WHERE s.partner_id = d.partner_id AND s.day = d.day;
  -- Every partner-day was created and locked above: a missing one would lose its counts silently.
  GET DIAGNOSTICS v_updated = ROW_COUNT;
  SELECT count(*)::integer INTO v_days FROM (SELECT DISTINCT k.partner_id, k.day FROM unnest(v_partner, v_day) AS k(partner_id, day)) k;
  IF v_updated <> v_days THEN
    RAISE EXCEPTION 'record_clicks: % partner-day rows updated for % partner-days', v_updated, v_days;
  END IF;

  -- The ledger: the source of truth the summary can be rebuilt from.
  INSERT INTO metric_events (kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents, visitor_hash)
  SELECT 'click', c.at, c.partner_id, c.campaign_id, c.code, c.verdict, c.amount, c.visitor_hash
    FROM unnest(p_at, v_partner, v_campaign, p_codes, v_verdict, v_amount, p_visitor_hashes)
         WITH ORDINALITY AS c(at, partner_id, campaign_id, code, verdict, amount, visitor_hash, i)
   ORDER BY c.i;

  RETURN QUERY SELECT r.verdict, r.amount FROM unnest(v_verdict, v_amount) WITH ORDINALITY AS r(verdict, amount, i) ORDER BY r.i;
END;
$$;
