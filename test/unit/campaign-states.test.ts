import { describe, expect, it } from 'vitest';
import { allowedCampaignActions, CAMPAIGN_ACTIONS, CAMPAIGN_STATUSES, canMove, type CampaignStatus } from '../../src/modules/campaigns/campaign-states.js';

/** The spec, by hand: active ⇄ paused, either → ended, ended is final. */
const ALLOWED: Record<CampaignStatus, CampaignStatus[]> = { active: ['paused', 'ended'], paused: ['active', 'ended'], ended: [] };

describe('the campaign state machine', () => {
  it('allows exactly active ⇄ paused and either → ended, and refuses every other move', () => {
    for (const from of CAMPAIGN_STATUSES) {
      for (const to of CAMPAIGN_STATUSES) expect(canMove(from, to), `${from} → ${to}`).toBe(ALLOWED[from].includes(to));
      expect(allowedCampaignActions({ status: from }).map((action) => CAMPAIGN_ACTIONS[action].to).sort()).toEqual([...ALLOWED[from]].sort());
    }
  });
});
