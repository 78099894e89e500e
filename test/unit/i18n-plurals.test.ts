import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.js';

describe('messages with numbers', () => {
  it('chooses the plural form by the language’s rules and writes numbers in its format', () => {
    const fr = translator('fr');
    const en = translator('en');
    expect(fr('leaderboard.myRank', { rank: 1, clicks: 1 })).toBe('Ton rang : #1 avec 1 clic valide.');
    expect(fr('leaderboard.myRank', { rank: 2, clicks: 0 })).toBe('Ton rang : #2 avec 0 clic valide.');
    expect(fr('leaderboard.myRank', { rank: 3, clicks: 1116 }).replace(/\s/g, ' ')).toBe('Ton rang : #3 avec 1 116 clics valides.');
    expect(en('leaderboard.myRank', { rank: 3, clicks: 1116 })).toBe('Your rank: #3 with 1,116 valid clicks.');
    expect(en('leaderboard.myRank', { rank: 1, clicks: 1 })).toBe('Your rank: #1 with 1 valid click.');
    expect(fr('payout.summary', { count: 2, total: '25,00 €' })).toBe('2 demandes approuvées, 25,00 €');
  });

  it('names a state passed by its code in the page’s words', () => {
    expect(translator('fr')('withdraw.error.transition', { from: 'paid', to: 'rejected' })).toBe('Impossible : cette demande est « Payée », elle ne peut pas devenir « Refusée ».');
    expect(translator('en')('campaign.error.transition', { from: 'ended', to: 'active' })).toBe('Cannot go from “ended” to “active”.');
    expect(translator('fr')('campaign.error.transition', { from: 'ended', to: 'paused' })).toBe('Impossible de passer de « terminée » à « en pause ».');
  });
});
