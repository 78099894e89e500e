import type { payoutFr } from './payout-fr.js';

export const payoutEn: Record<keyof typeof payoutFr, string> = {
};
