/**
 * Accounts on networks shared by hand (X, Instagram, TikTok, LinkedIn, Facebook): no open posting
 * API for this use (X also forbids the same automated text on many accounts), so Plug & Earn holds
 * no credential for them. The partner names the account; its publications are approved, shared by
 * the partner, and confirmed with the post's address.
 */
import type { Db } from '../../db/client.js';
import { ASSISTED_NETWORKS, connectedAccounts, type NetworkName } from '../../db/schema.js';
import { writeAudit } from '../audit/audit-log.js';
import { listAccounts, MAX_ACCOUNTS, visible, type ConnectedAccount } from './accounts.js';
import { ConflictError, InputError } from '../../lib/errors.js';

// A handle as the networks allow one (letters, digits, . _ -), with or without its @.
const HANDLE = /^@?([\p{L}\p{N}._-]{1,100})$/u;

export async function connectAssisted(db: Db, partnerId: string, input: { network?: unknown; handle?: unknown }): Promise<ConnectedAccount> {
  if (typeof input.network !== 'string' || !(ASSISTED_NETWORKS as readonly string[]).includes(input.network)) throw new InputError('network', 'accounts.error.network');
  const match = typeof input.handle === 'string' ? HANDLE.exec(input.handle.trim()) : null;
  if (!match) throw new InputError('handle', 'accounts.error.handle');
  const network = input.network as NetworkName;
  const label = `@${match[1]}`;
  return db.transaction(async (tx) => {
    const accounts = await listAccounts(tx, partnerId);
    if (accounts.length >= MAX_ACCOUNTS) throw new ConflictError('too_many_accounts', 'accounts.error.tooMany', { max: MAX_ACCOUNTS });
    if (accounts.some((account) => account.network === network && account.label.toLowerCase() === label.toLowerCase())) throw new ConflictError('account_exists', 'accounts.error.exists', { label });
    const [account] = await tx.insert(connectedAccounts).values({ partnerId, network, label, credentialsSealed: '' }).returning(visible);
    await writeAudit(tx, { actorId: partnerId, actorLabel: 'partner', action: 'account_connected', subject: `partner:${partnerId}`, partnerId, params: { network, label } });
    return account!;
  });
}
