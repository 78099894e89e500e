/**
 * The campaign's state machine, as data: active ⇄ paused, either → ended (final). The service,
 * the back-office's buttons, the API's routes and the CLI's commands all read it.
 */
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../../db/schema.js';

export { CAMPAIGN_STATUSES, type CampaignStatus };

/** Each action (a verb of the API and the CLI) and the status it leads to, from which statuses. */
export const CAMPAIGN_ACTIONS = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  end: { from: ['active', 'paused'], to: 'ended' },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;

export type CampaignAction = keyof typeof CAMPAIGN_ACTIONS;
export const CAMPAIGN_ACTION_NAMES = Object.keys(CAMPAIGN_ACTIONS) as CampaignAction[];

/** Whether a campaign in `from` may move to `to`. */
export function canMove(from: CampaignStatus, to: CampaignStatus): boolean {
  return Object.values(CAMPAIGN_ACTIONS).some((action) => action.to === to && (action.from as readonly CampaignStatus[]).includes(from));
}

/** A status no action leaves (ended): moving there cannot be undone, so operators confirm it first. */
export function isFinalStatus(status: CampaignStatus): boolean {
  return !Object.values(CAMPAIGN_ACTIONS).some((action) => (action.from as readonly CampaignStatus[]).includes(status));
}

/** The actions an operator may take on a campaign now (the back-office shows these buttons). */
export function allowedCampaignActions(campaign: { status: CampaignStatus }): CampaignAction[] {
  return CAMPAIGN_ACTION_NAMES.filter((name) => (CAMPAIGN_ACTIONS[name].from as readonly CampaignStatus[]).includes(campaign.status));
}
