-- Posts the brand writes and partners publish (src/modules/publishing/templates.ts and
-- publications.ts).

-- The brand named in every post's disclosure (« Publicité · <brand> »); the campaign's name when
-- not set.
ALTER TABLE campaigns ADD COLUMN brand text CHECK (brand IS NULL OR length(brand) BETWEEN 1 AND 60);

-- Networks without an open posting API for this use: the partner shares by hand (assisted mode)
-- and pastes the post's address; such an account holds no credential.
ALTER TABLE connected_accounts DROP CONSTRAINT connected_accounts_network_check;
ALTER TABLE connected_accounts ADD CONSTRAINT connected_accounts_network_check
  CHECK (network IN ('bluesky', 'mastodon', 'telegram', 'discord', 'webhook', 'x', 'instagram', 'tiktok', 'linkedin', 'facebook'));

-- A publication's own link: a tracked link like the partner's main one, so its clicks are counted
-- by the same redirect and rules, and known per publication (its sub-id). The partner's main link
-- stays one per campaign.
ALTER TABLE tracked_links ADD COLUMN purpose text NOT NULL DEFAULT 'main' CHECK (purpose IN ('main', 'publication'));
ALTER TABLE tracked_links DROP CONSTRAINT tracked_links_partner_id_campaign_id_key;
CREATE UNIQUE INDEX tracked_links_main ON tracked_links (partner_id, campaign_id) WHERE purpose = 'main';

-- A post of a campaign; withdrawn by the operator, its publications not yet out disappear.
CREATE TABLE post_templates (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz,
  CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
);
CREATE INDEX post_templates_campaign ON post_templates (campaign_id, created_at);

-- Its texts: per locale, optionally for one network (that network's accounts get it rather than
-- the general text). `{link}` places the partner's link; without it the link goes at the end.
CREATE TABLE post_variants (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template_id uuid NOT NULL REFERENCES post_templates (id),
  locale      text NOT NULL CHECK (locale IN ('fr', 'en')),
  network     text CHECK (network IS NULL OR network IN ('bluesky', 'mastodon', 'telegram', 'discord', 'webhook', 'x', 'instagram', 'tiktok', 'linkedin', 'facebook')),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_variants_template ON post_variants (template_id);

-- One per post and account of the partner. `text` is the final text (disclosure, brand and link
-- in it, checked after every edit). The idempotency key (a TID) is chosen here, before any
-- attempt: every attempt and every lookup uses it.
--   pending_review → approved → publishing → published | failed | unconfirmed
--   pending_review → declined;  pending_review | approved → withdrawn (the operator withdrew the post
--   or the account was removed)
-- `publishing` is written and committed before the network is called: a worker that finds it
-- there after a crash looks the publication up instead of posting again.
CREATE TABLE publications (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id      uuid NOT NULL REFERENCES partners (id),
  account_id      uuid NOT NULL REFERENCES connected_accounts (id),
  template_id     uuid NOT NULL REFERENCES post_templates (id),
  variant_id      uuid NOT NULL REFERENCES post_variants (id),
  campaign_id     uuid NOT NULL REFERENCES campaigns (id),
  link_code       text NOT NULL UNIQUE REFERENCES tracked_links (code),
  idempotency_key text NOT NULL UNIQUE CHECK (idempotency_key ~ '^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$'),
  locale          text NOT NULL CHECK (locale IN ('fr', 'en')),
  -- The brand its disclosure names, as when it was prepared: renaming the campaign later does not
  -- make the partner's text wrong (edits are checked against this one).
  brand           text NOT NULL CHECK (length(brand) BETWEEN 1 AND 120),
  text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
  edited          boolean NOT NULL DEFAULT false,
  state           text NOT NULL DEFAULT 'pending_review'
                  CHECK (state IN ('pending_review', 'approved', 'publishing', 'published', 'failed', 'unconfirmed', 'declined', 'withdrawn')),
  state_detail    text,
  -- Network calls made (each after `publishing` was committed).
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  approved_at     timestamptz,
  published_at    timestamptz,
  remote_id       text,
  remote_url      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (template_id, account_id),
  -- Proof: a published publication keeps when and where.
  CHECK ((state = 'published') = (published_at IS NOT NULL)),
  CHECK (state <> 'published' OR remote_id IS NOT NULL OR remote_url IS NOT NULL)
);
CREATE INDEX publications_partner ON publications (partner_id, state, created_at);
CREATE INDEX publications_account ON publications (account_id, created_at);
CREATE INDEX publications_variant ON publications (variant_id);
