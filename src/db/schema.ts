/**
 * Drizzle's view of the tables, for typed queries. The SQL files in `migrations/` are the source of
 * truth; `test/db/database.test.ts` checks that every column declared here exists there.
 */
import { bigint, boolean, customType, date, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Bytes (an uploaded image): a Buffer both ways, on pg and on PGlite (which gives a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array | string }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (typeof value === 'string' ? Buffer.from(value.replace(/^\\x/, ''), 'hex') : Buffer.from(value)),
});

export const partners = pgTable('partners', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  role: text('role', { enum: ['partner', 'admin'] }).notNull().default('partner'),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  /** Why the partner is suspended (told to them); null when active. */
  statusReason: text('status_reason'),
  pseudonym: text('pseudonym'),
  isDemo: boolean('is_demo').notNull().default(false),
  locale: text('locale', { enum: ['fr', 'en'] }),
  createdAt: at('created_at').notNull().defaultNow(),
  lastLoginAt: at('last_login_at'),
  /** The operator stopped all of this partner's publishing (migration 0020); null when not. */
  publishingPausedAt: at('publishing_paused_at'),
});

export const loginTokens = pgTable('login_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});

export const sessions = pgTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  expiresAt: at('expires_at').notNull(),
});

export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    bucket: text('bucket').notNull(),
    windowStart: at('window_start').notNull(),
    hits: integer('hits').notNull(),
  },
  (table) => [primaryKey({ columns: [table.bucket, table.windowStart] })],
);

export const auditLog = pgTable('audit_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  at: at('at').notNull().defaultNow(),
  actorId: uuid('actor_id'),
  actorLabel: text('actor_label').notNull(),
  action: text('action').notNull(),
  subject: text('subject'),
  fromState: text('from_state'),
  toState: text('to_state'),
  /** Text of entries written before migration 0016; newer ones say it with `params`. */
  detail: text('detail'),
  /** What the entry's sentence needs, in the reader's language (audit-log.ts, AuditParams). */
  params: jsonb('params').$type<Record<string, string | number | boolean | string[] | null>>(),
  /** The partner the entry concerns, so one partner's log can be read. */
  partnerId: uuid('partner_id'),
});

export const CAMPAIGN_STATUSES = ['active', 'paused', 'ended'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A pseudonym's keys (pseudonym.ts): each unique, so no two partners' names look alike. */
export const pseudonymKeys = pgTable('pseudonym_keys', {
  key: text('key').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  pseudonym: text('pseudonym').notNull(),
});

export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  targetUrl: text('target_url').notNull(),
  rateCents: integer('rate_cents').notNull(),
  status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('active'),
  posts: text('posts').array().notNull().default([]),
  /** Named in every post's disclosure; the campaign's name when null (migration 0019). */
  brand: text('brand'),
  /** The operator stopped all of this campaign's publishing (migration 0020); null when not. */
  publishingPausedAt: at('publishing_paused_at'),
  /** Revenue share (migration 0021): a share of each sale in basis points, and/or a fixed amount. */
  commissionBp: integer('commission_bp').notNull().default(0),
  commissionFixedCents: integer('commission_fixed_cents').notNull().default(0),
  attributionDays: integer('attribution_days').notNull().default(30),
  holdingDays: integer('holding_days').notNull().default(30),
  clickParam: text('click_param').notNull().default('pe_click'),
  conversionSecretSealed: text('conversion_secret_sealed'),
  stripeWebhookSecretSealed: text('stripe_webhook_secret_sealed'),
  stripeAccount: text('stripe_account'),
  isDemo: boolean('is_demo').notNull().default(false),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const trackedLinks = pgTable('tracked_links', {
  code: text('code').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  campaignId: uuid('campaign_id').notNull(),
  /** The partner's one link per campaign, or a publication's own (its sub-id, migration 0019). */
  purpose: text('purpose', { enum: ['main', 'publication'] }).notNull().default('main'),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** Every click's verdict; each reason other than `valid` is also a column of `partner_daily_stats`. */
export const VERDICTS = ['valid', 'bot', 'duplicate', 'self', 'over_cap', 'inactive', 'suspended', 'not_navigation'] as const;
export type Verdict = (typeof VERDICTS)[number];
export type RefusalReason = Exclude<Verdict, 'valid'>;
export const REFUSAL_REASONS = VERDICTS.filter((v): v is RefusalReason => v !== 'valid');

export const metricEvents = pgTable('metric_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  kind: text('kind', { enum: ['click'] }).notNull(),
  occurredAt: at('occurred_at').notNull().defaultNow(),
  partnerId: uuid('partner_id').notNull(),
  campaignId: uuid('campaign_id').notNull(),
  linkCode: text('link_code').notNull(),
  verdict: text('verdict', { enum: VERDICTS }).notNull(),
  amountCents: integer('amount_cents').notNull(),
  visitorHash: text('visitor_hash'),
});

export const clickDedupe = pgTable(
  'click_dedupe',
  {
    linkCode: text('link_code').notNull(),
    visitorKey: text('visitor_key').notNull(),
    countedAt: at('counted_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.linkCode, table.visitorKey] })],
);

export const partnerDailyStats = pgTable(
  'partner_daily_stats',
  {
    partnerId: uuid('partner_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    validClicks: integer('valid_clicks').notNull().default(0),
    earnedCents: bigint('earned_cents', { mode: 'number' }).notNull().default(0),
    bot: integer('bot').notNull().default(0),
    duplicate: integer('duplicate').notNull().default(0),
    self: integer('self').notNull().default(0),
    overCap: integer('over_cap').notNull().default(0),
    inactive: integer('inactive').notNull().default(0),
    suspended: integer('suspended').notNull().default(0),
    notNavigation: integer('not_navigation').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.day] })],
);

export const WITHDRAWAL_STATUSES = ['requested', 'approved', 'paid', 'rejected'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export const withdrawRequests = pgTable('withdraw_requests', {
  id: uuid('id').primaryKey().defaultRandom(),
  partnerId: uuid('partner_id').notNull(),
  amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  method: text('method', { enum: ['paypal', 'bank'] }).notNull(),
  detailsEncrypted: text('details_encrypted').notNull(),
  detailsMasked: text('details_masked').notNull(),
  status: text('status', { enum: WITHDRAWAL_STATUSES }).notNull().default('requested'),
  idempotencyKey: text('idempotency_key'),
  fingerprint: text('fingerprint'),
  reason: text('reason'),
  reference: text('reference'),
  createdAt: at('created_at').notNull().defaultNow(),
  approvedAt: at('approved_at'),
  processedAt: at('processed_at'),
  decidedBy: text('decided_by'),
  payoutFile: text('payout_file'),
});

export const payoutFiles = pgTable('payout_files', {
  messageId: text('message_id').primaryKey(),
  method: text('method', { enum: ['paypal', 'bank'] }).notNull(),
  requestIds: uuid('request_ids').array().notNull(),
  totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  paidAt: at('paid_at'),
  cancelledAt: at('cancelled_at'),
});

/** A partner's saved payout method: used by every request once confirmed by email (payout-method.ts). */
export const payoutMethods = pgTable('payout_methods', {
  partnerId: uuid('partner_id').primaryKey(),
  method: text('method', { enum: ['paypal', 'bank'] }).notNull(),
  detailsEncrypted: text('details_encrypted').notNull(),
  detailsMasked: text('details_masked').notNull(),
  confirmedAt: at('confirmed_at').notNull().defaultNow(),
});

/** A change of payout method waiting for the one-time link emailed to the partner. */
export const payoutMethodChanges = pgTable('payout_method_changes', {
  tokenHash: text('token_hash').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  method: text('method', { enum: ['paypal', 'bank'] }).notNull(),
  detailsEncrypted: text('details_encrypted').notNull(),
  detailsMasked: text('details_masked').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});

export const visitorDayKeys = pgTable('visitor_day_keys', {
  day: date('day', { mode: 'string' }).primaryKey(),
  key: text('key').notNull(),
});

export const payouts = pgTable('payouts', {
  id: uuid('id').primaryKey().defaultRandom(),
  withdrawRequestId: uuid('withdraw_request_id').notNull().unique(),
  partnerId: uuid('partner_id').notNull(),
  amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  method: text('method', { enum: ['paypal', 'bank'] }).notNull(),
  reference: text('reference').notNull(),
  paidAt: at('paid_at').notNull().defaultNow(),
});

/** Work done later by one worker at a time (migration 0017, src/modules/jobs/job-queue.ts). */
export const jobs = pgTable('jobs', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  kind: text('kind').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  dedupeKey: text('dedupe_key').unique(),
  status: text('status', { enum: ['queued', 'running', 'done', 'failed', 'cancelled'] }).notNull().default('queued'),
  runAt: at('run_at').notNull().defaultNow(),
  attempts: integer('attempts').notNull().default(0),
  maxAttempts: integer('max_attempts').notNull().default(5),
  lockedBy: text('locked_by'),
  lockedUntil: at('locked_until'),
  lastError: text('last_error'),
  createdAt: at('created_at').notNull().defaultNow(),
  finishedAt: at('finished_at'),
});

/** Networks with a posting API the worker calls. */
export const AUTOMATED_NETWORKS = ['bluesky', 'mastodon', 'telegram', 'discord', 'webhook'] as const;
/** Networks shared by hand (assisted mode): no open posting API for this use (migration 0019). */
export const ASSISTED_NETWORKS = ['x', 'instagram', 'tiktok', 'linkedin', 'facebook'] as const;
export const NETWORKS = [...AUTOMATED_NETWORKS, ...ASSISTED_NETWORKS] as const;
export type NetworkName = (typeof NETWORKS)[number];

/** A partner's connected social accounts (migration 0018, src/modules/publishing/accounts.ts). */
export const connectedAccounts = pgTable('connected_accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  partnerId: uuid('partner_id').notNull(),
  network: text('network', { enum: NETWORKS }).notNull(),
  label: text('label').notNull(),
  endpoint: text('endpoint'),
  credentialsSealed: text('credentials_sealed').notNull(),
  state: text('state', { enum: ['connected', 'needs_reconnect', 'paused', 'disconnected'] }).notNull().default('connected'),
  stateDetail: text('state_detail'),
  /** Failed publications in a row; two pause the account (migration 0020). */
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** Plug & Earn's registration on each Mastodon instance, made once. */
export const mastodonApps = pgTable('mastodon_apps', {
  instanceUrl: text('instance_url').primaryKey(),
  redirectUri: text('redirect_uri').notNull(),
  clientId: text('client_id').notNull(),
  clientSecretSealed: text('client_secret_sealed').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** A connection under way: the OAuth state, hashed, one use. */
export const accountConnections = pgTable('account_connections', {
  stateHash: text('state_hash').primaryKey(),
  partnerId: uuid('partner_id').notNull(),
  network: text('network').notNull(),
  endpoint: text('endpoint').notNull(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});

/**
 * Each table has one owner: the module (a folder under src/) whose functions read and write it.
 * Other modules go through those functions; `test/unit/table-owners.test.ts` fails when a file
 * imports a table object it does not own. (Raw SQL of the click functions and of summaries is the
 * owners' too: clicks write the ledger, earnings read it through daily-stats and balance.)
 */
export const postTemplates = pgTable('post_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  campaignId: uuid('campaign_id').notNull(),
  status: text('status', { enum: ['active', 'withdrawn'] }).notNull().default('active'),
  createdAt: at('created_at').notNull().defaultNow(),
  withdrawnAt: at('withdrawn_at'),
});

export const postVariants = pgTable('post_variants', {
  id: uuid('id').primaryKey().defaultRandom(),
  templateId: uuid('template_id').notNull(),
  locale: text('locale', { enum: ['fr', 'en'] }).notNull(),
  network: text('network', { enum: NETWORKS }),
  body: text('body').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** An account's autopilot: automatic publishing within these limits (migration 0020). */
export const autopilotSettings = pgTable('autopilot_settings', {
  accountId: uuid('account_id').primaryKey(),
  enabled: boolean('enabled').notNull().default(false),
  dailyCap: integer('daily_cap').notNull(),
  startHour: integer('start_hour').notNull(),
  endHour: integer('end_hour').notNull(),
  days: integer('days').array().notNull(),
  timeZone: text('time_zone').notNull(),
  spacingMinutes: integer('spacing_minutes').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** A post's image, from which each partner's copy is made (migration 0020). */
export const postImages = pgTable('post_images', {
  templateId: uuid('template_id').primaryKey(),
  data: bytea('data').notNull(),
  mime: text('mime').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  description: text('description').notNull(),
  caption: text('caption'),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const PUBLICATION_STATES = ['pending_review', 'scheduled', 'approved', 'publishing', 'published', 'failed', 'unconfirmed', 'declined', 'withdrawn'] as const;
export type PublicationState = (typeof PUBLICATION_STATES)[number];

export const publications = pgTable('publications', {
  id: uuid('id').primaryKey().defaultRandom(),
  partnerId: uuid('partner_id').notNull(),
  accountId: uuid('account_id').notNull(),
  templateId: uuid('template_id').notNull(),
  variantId: uuid('variant_id').notNull(),
  campaignId: uuid('campaign_id').notNull(),
  linkCode: text('link_code').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  locale: text('locale', { enum: ['fr', 'en'] }).notNull(),
  brand: text('brand').notNull(),
  text: text('text').notNull(),
  edited: boolean('edited').notNull().default(false),
  state: text('state', { enum: PUBLICATION_STATES }).notNull().default('pending_review'),
  stateDetail: text('state_detail'),
  attempts: integer('attempts').notNull().default(0),
  approvedAt: at('approved_at'),
  publishedAt: at('published_at'),
  remoteId: text('remote_id'),
  remoteUrl: text('remote_url'),
  /** When the autopilot publishes it (state `scheduled`), migration 0020. */
  scheduledAt: at('scheduled_at'),
  autopilot: boolean('autopilot').notNull().default(false),
  notifiedAt: at('notified_at'),
  combination: text('combination'),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** Sales reported for a campaign, their refunds, and adjustments to partners' earnings (migration 0021). */
export const SALE_ATTRIBUTIONS = ['attributed', 'no_click', 'unknown_click', 'other_campaign', 'outside_window', 'invalid_click', 'own_click'] as const;
export type SaleAttribution = (typeof SALE_ATTRIBUTIONS)[number];

export const sales = pgTable('sales', {
  id: uuid('id').primaryKey().defaultRandom(),
  campaignId: uuid('campaign_id').notNull(),
  orderId: text('order_id').notNull(),
  source: text('source', { enum: ['api', 'stripe', 'csv'] }).notNull(),
  amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  currency: text('currency').notNull().default('EUR'),
  soldAt: at('sold_at').notNull(),
  customerRef: text('customer_ref'),
  clickRef: text('click_ref'),
  clickEventId: bigint('click_event_id', { mode: 'number' }),
  partnerId: uuid('partner_id'),
  attribution: text('attribution', { enum: SALE_ATTRIBUTIONS }).notNull(),
  clickVerdict: text('click_verdict'),
  commissionCents: bigint('commission_cents', { mode: 'number' }).notNull().default(0),
  holdUntil: at('hold_until'),
  refundedCents: bigint('refunded_cents', { mode: 'number' }).notNull().default(0),
  reversedCents: bigint('reversed_cents', { mode: 'number' }).notNull().default(0),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const saleRefunds = pgTable('sale_refunds', {
  id: uuid('id').primaryKey().defaultRandom(),
  saleId: uuid('sale_id').notNull(),
  refundRef: text('refund_ref').notNull(),
  amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  refundedAt: at('refunded_at').notNull(),
  commissionCents: bigint('commission_cents', { mode: 'number' }).notNull(),
  afterConfirmation: boolean('after_confirmation').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const adjustments = pgTable('adjustments', {
  id: uuid('id').primaryKey().defaultRandom(),
  partnerId: uuid('partner_id').notNull(),
  amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  kind: text('kind', { enum: ['manual', 'refund'] }).notNull(),
  reason: text('reason').notNull(),
  refundId: uuid('refund_id'),
  requestKey: text('request_key'),
  createdBy: uuid('created_by'),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const TABLE_OWNERS = {
  partners: 'modules/partners',
  pseudonymKeys: 'modules/partners',
  loginTokens: 'modules/auth',
  sessions: 'modules/auth',
  rateLimitHits: 'http',
  auditLog: 'modules/audit',
  campaigns: 'modules/campaigns',
  trackedLinks: 'modules/campaigns',
  metricEvents: 'modules/clicks',
  clickDedupe: 'modules/clicks',
  visitorDayKeys: 'modules/clicks',
  partnerDailyStats: 'modules/earnings',
  withdrawRequests: 'modules/withdrawals',
  payouts: 'modules/withdrawals',
  payoutFiles: 'modules/withdrawals',
  payoutMethods: 'modules/withdrawals',
  payoutMethodChanges: 'modules/withdrawals',
  jobs: 'modules/jobs',
  connectedAccounts: 'modules/publishing',
  mastodonApps: 'modules/publishing',
  accountConnections: 'modules/publishing',
  postTemplates: 'modules/publishing',
  postVariants: 'modules/publishing',
  publications: 'modules/publishing',
  autopilotSettings: 'modules/publishing',
  postImages: 'modules/publishing',
  sales: 'modules/sales',
  saleRefunds: 'modules/sales',
  adjustments: 'modules/sales',
} as const satisfies Record<keyof typeof schema, string>;

export const schema = {
  partners,
  pseudonymKeys,
  loginTokens,
  sessions,
  rateLimitHits,
  auditLog,
  campaigns,
  trackedLinks,
  metricEvents,
  clickDedupe,
  partnerDailyStats,
  withdrawRequests,
  payouts,
  payoutFiles,
  payoutMethods,
  payoutMethodChanges,
  visitorDayKeys,
  jobs,
  connectedAccounts,
  mastodonApps,
  accountConnections,
  postTemplates,
  postVariants,
  publications,
  autopilotSettings,
  postImages,
  sales,
  saleRefunds,
  adjustments,
};
