-- A job queue in PostgreSQL, the same on PGlite and on a server (src/modules/jobs/job-queue.ts).
-- Libraries such as pg-boss or graphile-worker open their own `pg` connections and LISTEN, which
-- the embedded database cannot serve; a table claimed with FOR UPDATE SKIP LOCKED runs on both.
--
-- A claimed job holds a lease (`locked_until`, the database's clock): a worker that dies mid-job
-- leaves it to be claimed again when the lease ends, so nothing stays stuck; `attempts` tells the
-- next worker that an earlier attempt may have done part of the work (publishing looks the post up
-- by its idempotency key before posting again). Only the holder of the lease (`locked_by`) can
-- finish a job: a worker whose lease was taken over cannot overwrite the new holder's outcome.

CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  payload      jsonb NOT NULL DEFAULT '{}',
  -- One job per key (e.g. one per publication) while the job is kept (finished jobs are deleted
  -- 30 days after they end): enqueueing the same key again is a no-op.
  dedupe_key   text UNIQUE,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  run_at       timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  CHECK ((status = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- What a worker looks for: due queued jobs, and running ones whose lease has ended.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE status = 'running';
