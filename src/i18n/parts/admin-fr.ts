/** French messages of the admin area (kept in their own file so areas can grow apart). */
export const adminFr = {
} as const;
