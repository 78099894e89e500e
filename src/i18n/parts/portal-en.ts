import type { portalFr } from './portal-fr.js';

export const portalEn: Record<keyof typeof portalFr, string> = {
};
