import type { adminFr } from './admin-fr.js';

export const adminEn: Record<keyof typeof adminFr, string> = {
};
