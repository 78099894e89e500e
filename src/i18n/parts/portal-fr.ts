/** French messages of the portal area (kept in their own file so areas can grow apart). */
export const portalFr = {
} as const;
