/** French messages of the overview area (kept in their own file so areas can grow apart). */
export const overviewFr = {
} as const;
