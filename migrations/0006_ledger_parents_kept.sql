-- The click ledger's parents are kept forever, so the ledger needs no foreign keys.
--
-- Each foreign key of metric_events and partner_daily_stats made every click lock its partner,
-- campaign and link rows (FOR KEY SHARE, itself a write): measured, 30 to 40 % of a 50-click
-- batch's time in record_clicks, which every redirect waits for (BENCHMARKS.md). The app never
-- deletes a partner, a campaign or a link (they are suspended, paused or ended) and never changes
-- their keys; these triggers make that a rule of the database, and record_clicks reads the link,
-- its campaign and its partner in the transaction that writes the click. So no click can point at
-- a row that does not exist, as with the foreign keys. Other tables keep theirs.

CREATE FUNCTION refuse_ledger_parent_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are kept for ever and their keys never change: the click ledger refers to them (suspend, pause or end instead)', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER partners_kept BEFORE DELETE ON partners
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_parent_change();
CREATE TRIGGER partners_kept_whole BEFORE TRUNCATE ON partners
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_parent_change();
CREATE TRIGGER partners_key_fixed BEFORE UPDATE OF id ON partners
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION refuse_ledger_parent_change();

CREATE TRIGGER campaigns_kept BEFORE DELETE ON campaigns
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_parent_change();
CREATE TRIGGER campaigns_kept_whole BEFORE TRUNCATE ON campaigns
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_parent_change();
CREATE TRIGGER campaigns_key_fixed BEFORE UPDATE OF id ON campaigns
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION refuse_ledger_parent_change();

CREATE TRIGGER tracked_links_kept BEFORE DELETE ON tracked_links
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_parent_change();
CREATE TRIGGER tracked_links_kept_whole BEFORE TRUNCATE ON tracked_links
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_parent_change();
-- A click stores its link's partner and campaign too: a link never changes hands.
CREATE TRIGGER tracked_links_key_fixed BEFORE UPDATE OF code, partner_id, campaign_id ON tracked_links
  FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.partner_id IS DISTINCT FROM NEW.partner_id
                     OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)
  EXECUTE FUNCTION refuse_ledger_parent_change();

ALTER TABLE metric_events
  DROP CONSTRAINT metric_events_partner_id_fkey,
  DROP CONSTRAINT metric_events_campaign_id_fkey,
  DROP CONSTRAINT metric_events_link_code_fkey;
ALTER TABLE partner_daily_stats DROP CONSTRAINT partner_daily_stats_partner_id_fkey;
