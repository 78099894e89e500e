-- The autopilot (issue 16; src/modules/publishing/autopilot/): per-account automatic publishing
-- within caps, allowed hours and spacing, announced before it goes out (the veto window); pauses
-- by the operator; an account paused after two failures in a row; images per post.

-- An account that failed twice in a row is `paused`: nothing of it goes out, automatically or
-- approved, until the partner resumes it. A success sets the count back to zero.
ALTER TABLE connected_accounts DROP CONSTRAINT connected_accounts_state_check;
ALTER TABLE connected_accounts ADD CONSTRAINT connected_accounts_state_check
  CHECK (state IN ('connected', 'needs_reconnect', 'paused', 'disconnected'));
ALTER TABLE connected_accounts ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0);

-- One row per account whose partner opened the settings (kept when turned off, so turning it on
-- again finds them). Hours are the partner's local hours in `time_zone`, [start_hour, end_hour).
-- The ceilings per network are the application's (schedule.ts NETWORK_DAILY_CEILING); 24 bounds
-- them all.
CREATE TABLE autopilot_settings (
  account_id      uuid PRIMARY KEY REFERENCES connected_accounts (id),
  enabled         boolean NOT NULL DEFAULT false,
  daily_cap       integer NOT NULL CHECK (daily_cap BETWEEN 1 AND 24),
  start_hour      integer NOT NULL CHECK (start_hour BETWEEN 0 AND 23),
  end_hour        integer NOT NULL CHECK (end_hour BETWEEN 1 AND 23),
  days            integer[] NOT NULL CHECK (cardinality(days) BETWEEN 1 AND 7 AND days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]),
  time_zone       text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
  spacing_minutes integer NOT NULL CHECK (spacing_minutes BETWEEN 60 AND 1440),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (start_hour < end_hour)
);

-- A publication the autopilot will publish at `scheduled_at` unless the partner cancels, edits
-- or reschedules it first: `scheduled`, then `publishing` when a worker claims it (past that, no
-- veto). `autopilot` marks what the autopilot published (the earnings page counts it);
-- `notified_at` when the partner was told what goes out and when; `combination` which of the
-- text's alternatives ({Découvre|Essaie}) it got, so the next partner gets another.
-- A held publication (its campaign, partner or account paused, its account to reconnect) keeps
-- its state with `state_detail` 'held:<why>' and no job, until the pause ends.
ALTER TABLE publications DROP CONSTRAINT publications_state_check;
ALTER TABLE publications ADD CONSTRAINT publications_state_check
  CHECK (state IN ('pending_review', 'scheduled', 'approved', 'publishing', 'published', 'failed', 'unconfirmed', 'declined', 'withdrawn'));
ALTER TABLE publications ADD COLUMN scheduled_at timestamptz;
ALTER TABLE publications ADD COLUMN autopilot boolean NOT NULL DEFAULT false;
ALTER TABLE publications ADD COLUMN notified_at timestamptz;
ALTER TABLE publications ADD COLUMN combination text CHECK (combination IS NULL OR combination ~ '^[0-9]{1,5}$');
ALTER TABLE publications ADD CONSTRAINT publications_scheduled_has_time CHECK (state <> 'scheduled' OR scheduled_at IS NOT NULL);
-- The scheduler reads an account's scheduled and recent publications under the account's lock.
CREATE INDEX publications_account_schedule ON publications (account_id, scheduled_at) WHERE scheduled_at IS NOT NULL;

-- The operator stops all publishing of a campaign or of a partner at once (a bad post, say):
-- nothing queued goes out until resumed.
ALTER TABLE campaigns ADD COLUMN publishing_paused_at timestamptz;
ALTER TABLE partners ADD COLUMN publishing_paused_at timestamptz;

-- A post's image (at most one): the brand's upload, from which every partner's copy is made
-- (cropped, coloured, with a caption band and « Publicité » / "Ad" burned in).
CREATE TABLE post_images (
  template_id uuid PRIMARY KEY REFERENCES post_templates (id),
  data        bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 20971520),
  mime        text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif')),
  width       integer NOT NULL CHECK (width > 0),
  height      integer NOT NULL CHECK (height > 0),
  -- What the image shows, for the alt text (after the disclosure and the brand).
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
  -- A short line in the caption band, under the brand.
  caption     text CHECK (caption IS NULL OR length(caption) BETWEEN 1 AND 80),
  created_at  timestamptz NOT NULL DEFAULT now()
);
