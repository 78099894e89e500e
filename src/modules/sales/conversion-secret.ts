/**
 * A campaign's conversion API key: made by an operator, shown once, stored sealed (it must be read
 * back to check each request's HMAC), replaced by making a new one (the old one stops at once).
 */
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { randomToken } from '../../lib/crypto.js';
import { seal, unseal } from '../../lib/sealed.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { getCampaign, setConversionSecret } from '../campaigns/campaigns.js';

const PREFIX = 'pe_conv_';

/** A new key for the campaign, returned this once; any earlier key stops working. */
export async function createConversionSecret(db: Db, config: Config, campaignId: string, actor: Actor): Promise<string> {
  const campaign = await getCampaign(db, campaignId);
  const secret = `${PREFIX}${randomToken(32)}`;
  await db.transaction(async (tx) => {
    await setConversionSecret(tx, campaign.id, seal({ secret }, config.salesSecretsKey));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'conversion_secret_created', subject: `campaign:${campaign.id}`, params: { name: campaign.name, replaced: campaign.conversionSecretSealed ? 1 : 0 } });
  });
  return secret;
}

/** The campaign's key, or null when it has none (or is unknown). */
export async function conversionSecretOf(db: Db, config: Config, campaignId: string): Promise<string | null> {
  const campaign = await getCampaign(db, campaignId).catch(() => null);
  if (!campaign?.conversionSecretSealed) return null;
  return unseal<{ secret: string }>(campaign.conversionSecretSealed, config.salesSecretsKey).secret;
}
