/**
 * The figures operators read: the overview of /admin (what waits for them, today's clicks, this
 * month's spend per campaign, this week's new partners) and one campaign's report. Each gathers
 * a few constant-count queries from the modules that own the data; none runs a query per row.
 */
import type { Db } from '../../db/client.js';
import { lastDays, monthOf, weekOf, type Window } from '../../lib/periods.js';
import { listCampaigns, type Campaign } from '../campaigns/campaigns.js';
import { utcDay } from '../clicks/click-rules.js';
import { campaignStats, clicksOnDay, spendByCampaign, topPartnersOfCampaign, type CampaignStats, type ClickTotals } from '../earnings/campaign-stats.js';
import { partnersJoined } from '../partners/partner-counts.js';
import { partnerContacts } from '../partners/partners.js';
import { withdrawalCountsByStatus, type StatusCounts } from '../withdrawals/withdrawal-counts.js';

export interface OperatorOverview {
  withdrawals: StatusCounts;
  today: { day: string; clicks: number; validClicks: number };
  month: Window;
  /** Campaigns with clicks this month, and active ones without, the largest spend first. */
  spend: Array<{ campaign: Campaign } & ClickTotals>;
  spendTotal: ClickTotals;
  week: Window;
  joinedThisWeek: number;
}

export async function operatorOverview(db: Db, now = new Date()): Promise<OperatorOverview> {
  const month = monthOf(now);
  const week = weekOf(now);
  const today = utcDay(now);
  const withdrawals = await withdrawalCountsByStatus(db);
  const clicksToday = await clicksOnDay(db, today);
  const byCampaign = await spendByCampaign(db, month);
  const campaigns = await listCampaigns(db);
  const joinedThisWeek = await partnersJoined(db, week);
  const none: ClickTotals = { clicks: 0, validClicks: 0, spendCents: 0 };
  const spend = campaigns
    .filter((campaign) => byCampaign.has(campaign.id) || campaign.status === 'active')
    .map((campaign) => ({ campaign, ...(byCampaign.get(campaign.id) ?? none) }))
    .sort((a, b) => b.spendCents - a.spendCents || b.validClicks - a.validClicks);
  const spendTotal = [...byCampaign.values()].reduce((sum, t) => ({ clicks: sum.clicks + t.clicks, validClicks: sum.validClicks + t.validClicks, spendCents: sum.spendCents + t.spendCents }), none);
  return { withdrawals, today: { day: today, ...clicksToday }, month, spend, spendTotal, week, joinedThisWeek };
}

/** The periods a campaign's report can cover, in days; the first is the default. */
export const REPORT_PERIODS = [30, 7, 90] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** `?days=` as given: one of REPORT_PERIODS, else the default (a hand-edited link still shows a report). */
export function parseReportPeriod(value: string | undefined): ReportPeriod {
  return REPORT_PERIODS.find((days) => String(days) === value) ?? REPORT_PERIODS[0];
}

export interface CampaignReport extends CampaignStats {
  period: ReportPeriod;
  window: Window;
  /** Spend ÷ valid clicks, in cents (rounded, as the partners' EPC); null without a valid click. */
  epcCents: number | null;
  topPartners: Array<{ partnerId: string; email: string; validClicks: number; spendCents: number }>;
}

export async function campaignReport(db: Db, campaignId: string, period: ReportPeriod, now = new Date()): Promise<CampaignReport> {
  const window = lastDays(now, period);
  const stats = await campaignStats(db, campaignId, window);
  const top = await topPartnersOfCampaign(db, campaignId, window);
  const contacts = await partnerContacts(db, top.map((row) => row.partnerId));
  return {
    ...stats,
    period,
    window,
    epcCents: stats.validClicks > 0 ? Math.round(stats.spendCents / stats.validClicks) : null,
    topPartners: top.map((row) => ({ ...row, email: contacts.get(row.partnerId)?.email ?? '' })),
  };
}
