-- record_clicks_with_ids: the rules of a click batch, decided and written in one call, and each
-- click's ledger id (the live definition).
--
-- The app decides what needs no database and passes it as its verdict per click: bot (isbot) or
-- not_navigation (Fetch Metadata), else null (click-rules.ts). Here, in order: inactive (the
-- campaign's status) → suspended (the partner's) → self (the partner signed in on the clicking
-- browser) → duplicate (same visitor and link within the window, under the (link, visitor) row) →
-- over_cap (beyond the partner's paid clicks of that UTC day, under the partner-day row) → valid,
-- at the campaign's rate of that moment. Only the app's own verdicts are trusted without a look
-- at the rows; campaign and partner status are read here, so no cached value can let a click
-- break a rule. Each click's row in metric_events is returned with its verdict: the redirect
-- hands the shop a click id built from it (click-id.ts), with no lookup of its own.
--
-- History: 0005 wrote the batch in one call; 0007 locks the partner-day rows last, so batches
-- overlap; 0011 made it linear in the batch; 0012 reaches rows by key only (enable_seqscan off,
-- kept below); 0013 took the app's verdicts instead of a bot flag; 0022 returns the ledger ids,
-- under this name (a function's result cannot change in place: record_clicks, record_clicks.sql,
-- keeps the previous result for an instance of the previous version). Called by
-- record_click_batch_with_ids.

CREATE OR REPLACE FUNCTION record_clicks_with_ids(
  p_codes            text[],        -- each click's link code
  p_at               timestamptz[], -- when it happened
  p_app_verdicts     text[],        -- decided by the app without the database: 'bot', 'not_navigation' or null
  p_signed_in        uuid[],        -- the partner signed in on the clicking browser, or null
  p_dedupe_keys      text[],        -- keyed hash of link, address and user agent
  p_visitor_hashes   text[],        -- keyed hash of the visitor under the day's key, stored on the click
  p_dedupe_hours     integer,       -- 0: no de-duplication
  p_max_paid_per_day integer
) RETURNS TABLE (click_verdict text, click_amount_cents integer, click_event_id bigint)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
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
  v_ids      bigint[];
  v_turned   integer[]; -- positions of the clicks turned over_cap by the day's true total
  v_sequence regclass := pg_get_serial_sequence('metric_events', 'id')::regclass;
BEGIN
  IF n = 0 THEN
    RETURN;
  END IF;
  IF cardinality(p_at) <> n OR cardinality(p_app_verdicts) <> n OR cardinality(p_signed_in) <> n
     OR cardinality(p_dedupe_keys) <> n OR cardinality(p_visitor_hashes) <> n THEN
    RAISE EXCEPTION 'record_clicks: arguments of different lengths';
  END IF;
  -- The app decides only these two; any other verdict from it (a 'valid' skipping the rules) is refused.
  IF EXISTS (SELECT 1 FROM unnest(p_app_verdicts) AS v(verdict) WHERE v.verdict NOT IN ('bot', 'not_navigation')) THEN
    RAISE EXCEPTION 'record_clicks: the app may only decide bot or not_navigation';
  END IF;

  -- The link, its campaign's status and rate, its partner's status; the first rules.
  SELECT count(l.code)::integer,
         array_agg(l.partner_id ORDER BY c.i),
         array_agg(l.campaign_id ORDER BY c.i),
         array_agg(cp.rate_cents ORDER BY c.i),
         array_agg((c.at AT TIME ZONE 'UTC')::date ORDER BY c.i),
         array_agg(CASE WHEN c.app_verdict IS NOT NULL THEN c.app_verdict
                        WHEN cp.status <> 'active' THEN 'inactive'
                        WHEN p.status <> 'active' THEN 'suspended'
                        WHEN c.signed_in = l.partner_id THEN 'self' END ORDER BY c.i)
    INTO v_found, v_partner, v_campaign, v_rate, v_day, v_verdict
    FROM unnest(p_codes, p_at, p_app_verdicts, p_signed_in) WITH ORDINALITY AS c(code, at, app_verdict, signed_in, i)
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
        FROM unnest(p_codes, p_dedupe_keys, p_at, v_verdict) WITH ORDINALITY AS c(code, dedupe_key, at, verdict, i)
       WHERE c.verdict IS NULL
       ORDER BY c.code, c.dedupe_key, c.i
    ), counted AS (
      INSERT INTO click_dedupe AS d (link_code, visitor_key, counted_at)
      SELECT f.code, f.dedupe_key, f.at FROM firsts f ORDER BY f.code, f.dedupe_key
      ON CONFLICT (link_code, visitor_key) DO UPDATE SET counted_at = excluded.counted_at
        WHERE d.counted_at <= excluded.counted_at - p_dedupe_hours * interval '1 hour'
      RETURNING d.link_code, d.visitor_key
    )
    -- A click still undecided is counted if it is the first of its (link, visitor) in the batch
    -- and that row was written. Tested as memberships in the select list, which PostgreSQL
    -- answers with hash tables built once (hashed subplans).
    SELECT array_agg(CASE WHEN v.verdict IS NULL
                               AND NOT (v.i IN (SELECT f.i FROM firsts f)
                                        AND (v.code, v.dedupe_key) IN (SELECT k.link_code, k.visitor_key FROM counted k))
                          THEN 'duplicate' ELSE v.verdict END ORDER BY v.i)
      INTO v_verdict
      FROM unnest(v_verdict, p_codes, p_dedupe_keys) WITH ORDINALITY AS v(verdict, code, dedupe_key, i);
  END IF;

  -- The daily cap against the committed counts, read without a lock: the clicks still undecided,
  -- in order, are valid while the partner's day stays within the cap.
  WITH undecided AS (
    SELECT v.i, v_partner[v.i::integer] AS partner_id, v_day[v.i::integer] AS day,
           row_number() OVER (PARTITION BY v_partner[v.i::integer], v_day[v.i::integer] ORDER BY v.i) AS nth
      FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i)
     WHERE v.verdict IS NULL
  ), decided AS (
    SELECT u.i, CASE WHEN coalesce(s.valid_clicks, 0) + u.nth <= p_max_paid_per_day THEN 'valid' ELSE 'over_cap' END AS verdict
      FROM undecided u LEFT JOIN partner_daily_stats s ON s.partner_id = u.partner_id AND s.day = u.day
  )
  SELECT array_agg(coalesce(v.verdict, d.verdict) ORDER BY v.i),
         array_agg(CASE WHEN coalesce(v.verdict, d.verdict) = 'valid' THEN v_rate[v.i::integer] ELSE 0 END ORDER BY v.i)
    INTO v_verdict, v_amount
    FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i)
    LEFT JOIN decided d ON d.i = v.i;

  -- The ledger: the source of truth the summary can be rebuilt from. Its ids are drawn first, so
  -- that each click's row is known by its position.
  SELECT array_agg(nextval(v_sequence) ORDER BY g) INTO v_ids FROM generate_series(1, n) AS g;
  INSERT INTO metric_events (id, kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents, visitor_hash)
  OVERRIDING SYSTEM VALUE
  SELECT c.id, 'click', c.at, c.partner_id, c.campaign_id, c.code, c.verdict, c.amount, c.visitor_hash
    FROM unnest(v_ids, p_at, v_partner, v_campaign, p_codes, v_verdict, v_amount, p_visitor_hashes)
         WITH ORDINALITY AS c(id, at, partner_id, campaign_id, code, verdict, amount, visitor_hash, i)
   ORDER BY c.i;

  -- The summary: one upsert of deltas per partner-day, in sorted order. It locks those rows until
  -- commit and returns their true totals, which may include clicks that concurrent batches
  -- committed after the read above: past the cap, the batch's last valid clicks of that day are
  -- the ones turned over_cap.
  WITH deltas AS (
    SELECT c.partner_id, c.day,
           count(*) FILTER (WHERE c.verdict = 'valid')::integer AS valid,
           sum(c.amount)::bigint AS earned,
           count(*) FILTER (WHERE c.verdict = 'bot')::integer AS bot,
           count(*) FILTER (WHERE c.verdict = 'duplicate')::integer AS duplicate,
           count(*) FILTER (WHERE c.verdict = 'self')::integer AS self,
           count(*) FILTER (WHERE c.verdict = 'over_cap')::integer AS over_cap,
           count(*) FILTER (WHERE c.verdict = 'inactive')::integer AS inactive,
           count(*) FILTER (WHERE c.verdict = 'suspended')::integer AS suspended,
           count(*) FILTER (WHERE c.verdict = 'not_navigation')::integer AS not_navigation
      FROM unnest(v_partner, v_day, v_verdict, v_amount) AS c(partner_id, day, verdict, amount)
     GROUP BY c.partner_id, c.day
  ), totals AS (
    INSERT INTO partner_daily_stats AS s (partner_id, day, valid_clicks, earned_cents, bot, duplicate, self, over_cap, inactive, suspended, not_navigation)
    SELECT d.partner_id, d.day, d.valid, d.earned, d.bot, d.duplicate, d.self, d.over_cap, d.inactive, d.suspended, d.not_navigation
      FROM deltas d ORDER BY d.partner_id, d.day
    ON CONFLICT (partner_id, day) DO UPDATE SET
           valid_clicks = s.valid_clicks + excluded.valid_clicks,
           earned_cents = s.earned_cents + excluded.earned_cents,
           bot = s.bot + excluded.bot,
           duplicate = s.duplicate + excluded.duplicate,
           self = s.self + excluded.self,
           over_cap = s.over_cap + excluded.over_cap,
           inactive = s.inactive + excluded.inactive,
           suspended = s.suspended + excluded.suspended,
           not_navigation = s.not_navigation + excluded.not_navigation
    RETURNING s.partner_id, s.day, s.valid_clicks
  ), valid_from_last AS (
    SELECT c.i::integer AS i, c.partner_id, c.day,
           row_number() OVER (PARTITION BY c.partner_id, c.day ORDER BY c.i DESC) AS nth_from_last
      FROM unnest(v_partner, v_day, v_verdict) WITH ORDINALITY AS c(partner_id, day, verdict, i)
     WHERE c.verdict = 'valid'
  )
  SELECT array_agg(v.i ORDER BY v.i) INTO v_turned
    FROM valid_from_last v
    JOIN totals t ON t.partner_id = v.partner_id AND t.day = v.day
   WHERE v.nth_from_last <= t.valid_clicks - p_max_paid_per_day;

  IF v_turned IS NOT NULL THEN
    -- Rare: only when concurrent batches crossed a day's cap together. The rows are this
    -- transaction's own, still locked, and seen by nobody else.
    UPDATE metric_events SET verdict = 'over_cap', amount_cents = 0
     WHERE id = ANY (ARRAY(SELECT v_ids[t] FROM unnest(v_turned) AS t));
    UPDATE partner_daily_stats s SET
           valid_clicks = s.valid_clicks - t.clicks,
           earned_cents = s.earned_cents - t.cents,
           over_cap = s.over_cap + t.clicks
      FROM (SELECT v_partner[t] AS partner_id, v_day[t] AS day, count(*)::integer AS clicks, sum(v_amount[t])::bigint AS cents
              FROM unnest(v_turned) AS t GROUP BY 1, 2) t
     WHERE s.partner_id = t.partner_id AND s.day = t.day;
    SELECT array_agg(CASE WHEN v.i = ANY (v_turned) THEN 'over_cap' ELSE v.verdict END ORDER BY v.i),
           array_agg(CASE WHEN v.i = ANY (v_turned) THEN 0 ELSE v_amount[v.i::integer] END ORDER BY v.i)
      INTO v_verdict, v_amount
      FROM unnest(v_verdict) WITH ORDINALITY AS v(verdict, i);
  END IF;

  RETURN QUERY SELECT r.verdict, r.amount, r.id FROM unnest(v_verdict, v_amount, v_ids) WITH ORDINALITY AS r(verdict, amount, id, i) ORDER BY r.i;
END;
$$;
