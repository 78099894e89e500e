/** French messages of the payout area (kept in their own file so areas can grow apart). */
export const payoutFr = {
} as const;
