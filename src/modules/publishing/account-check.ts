/**
 * The account's « Tester » button: asks the network whether the stored credentials still work,
 * without publishing anything. A refused credential flags the account (as a refused publication
 * would); a network that does not answer changes nothing.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { connectedAccounts } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { accountCredentials, markNeedsReconnect, saveAccountCredentials } from './accounts.js';
import type { PublishingDeps } from './publications.js';

export async function testAccount(db: Db, deps: PublishingDeps, partnerId: string, accountId: string): Promise<{ label: string }> {
  if (!isUuid(accountId)) throw new NotFoundError('account');
  const [account] = await db.select({ id: connectedAccounts.id, network: connectedAccounts.network, label: connectedAccounts.label, state: connectedAccounts.state }).from(connectedAccounts).where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.partnerId, partnerId)));
  if (!account || account.state === 'disconnected') throw new NotFoundError('account');
  const adapter = deps.adapters[account.network];
  // Hand-shared networks hold no credential: nothing to test.
  if (!adapter) throw new ConflictError('account_assisted', 'accounts.test.assisted');
  const credentials = await accountCredentials<unknown>(db, deps.config, account.id);
  if (!credentials) throw new ConflictError('account_needs_reconnect', 'accounts.test.reconnect', { label: account.label });
  const outcome = await adapter.check(credentials, { saveCredentials: (next) => saveAccountCredentials(db, deps.config, account.id, next) });
  if (outcome.kind === 'credentials_refused') {
    await markNeedsReconnect(db, account.id, outcome.detail);
    throw new ConflictError('account_refused', 'accounts.test.refused', { label: account.label });
  }
  if (outcome.kind === 'unreachable') throw new ConflictError('account_unreachable', 'accounts.test.unreachable', { label: account.label });
  return { label: account.label };
}
