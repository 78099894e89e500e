-- The click batch functions reach rows only by key; they now say so to the planner.
--
-- Every statement of record_click_batch, record_clicks and click_batch_outcome reads or writes
-- rows by a key (a batch id, a link code, a partner-day, a visitor), a few hundred at most, so an
-- index probe is always right for them. The planner, though, chooses from statistics, and a plan
-- is kept by each connection: one made while a table was small reads it whole, and goes on doing
-- so as the table grows, until the statistics are taken again. click_batches gains a row per
-- batch all day long. In the benchmark, on a fresh database, the receipt's UPDATE read
-- click_batches whole in 67 of 120 sampled batches, at 0.77 ms each against 0.03 ms by its key:
-- about a tenth of PostgreSQL's time per batch. With enable_seqscan off inside these functions,
-- the planner takes an index wherever one serves.

ALTER FUNCTION record_click_batch(uuid, text[], timestamptz[], boolean[], uuid[], text[], text[], integer, integer)
  SET enable_seqscan = off;
ALTER FUNCTION record_clicks(text[], timestamptz[], boolean[], uuid[], text[], text[], integer, integer)
  SET enable_seqscan = off;
ALTER FUNCTION click_batch_outcome(uuid)
  SET enable_seqscan = off;
