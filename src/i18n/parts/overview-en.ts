import type { overviewFr } from './overview-fr.js';

export const overviewEn: Record<keyof typeof overviewFr, string> = {
};
