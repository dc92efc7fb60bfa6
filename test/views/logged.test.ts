import { describe, expect, it } from 'vitest';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import {
  loggedActivityText,
  loggedLinkedinText,
  loggedPostText,
  recordedQuizText,
} from '../../src/views/logged.js';
import { targetSetText } from '../../src/views/targets.js';

/** The "done" views on their own: a service's plain result in, the words a person reads out. */
describe('done messages', () => {
  it('say what was logged, in the singular or plural, with the style when given', () => {
    expect(loggedActivityText({ kind: 'call', count: 1, personalized: null, date: '2026-11-02' })).toBe(
      'Logged 1 call on 2026-11-02.',
    );
    expect(loggedActivityText({ kind: 'email', count: 12, personalized: false, date: '2026-11-02' })).toBe(
      'Logged 12 generic emails on 2026-11-02.',
    );
    expect(loggedActivityText({ kind: 'call', count: 10_000, personalized: true, date: '2026-11-02' })).toBe(
      'Logged 10,000 personalized calls on 2026-11-02.',
    );
    expect(
      loggedLinkedinText([
        { label: 'followers', value: 1812 },
        { label: 'views', value: 4 },
      ]),
    ).toBe('Logged your LinkedIn numbers: followers 1,812, views 4.');
    expect(loggedPostText({ network: 'linkedin', shares: 1, comments: 0, likes: 1030 })).toBe(
      'Logged a linkedin post: 1 share, 0 comments, 1,030 likes.',
    );
    expect(recordedQuizText({ course: 'GTX *Pro*', score: 42, maxScore: 50 })).toBe(
      'Recorded 42/50 (84%) for GTX *Pro*.',
    );
  });

  it('a target names whom it is for, with the figure in the workspace currency and names escaped', () => {
    const metric = SCALAR_METRICS.find((m) => m.id === 'sales.won_total');
    if (!metric) throw new Error('sales.won_total is gone');
    const base = { metric, amount: 50_000, period: 'month' as const, from: { label: 'November 2026' } };
    const usd = { currency: 'USD', locale: 'en-US' };
    expect(targetSetText({ ...base, scope: 'workspace', who: null }, usd)).toBe(
      "Target set: everyone, Won revenue $50,000.00 a month per rep, from November 2026. A rep with a target of their own or their team's keeps it.",
    );
    // A level (a rate) is the same in every period: no "a month" that would read as if it added up.
    const winRate = SCALAR_METRICS.find((m) => m.id === 'opportunities.win_rate');
    if (!winRate) throw new Error('opportunities.win_rate is gone');
    expect(
      targetSetText({ ...base, metric: winRate, amount: 0.25, scope: 'rep', who: { name: 'Dana' } }, usd),
    ).toBe('Target set: Dana, Win rate 25.0%, from November 2026.');
    const sneaky = targetSetText({ ...base, scope: 'team', who: { name: '*Mona* <!here>' } }, usd);
    expect(sneaky).not.toContain('<!here>');
    expect(sneaky).toMatch(/^Target set: .*Mona.*'s team, Won revenue/);
  });
});

describe('a form reads what the command accepts', () => {
  it('a quiz score with decimals, and LinkedIn numbers up to the same limit as /kpi log linkedin', async () => {
    const { readSubmission } = await import('../../src/views/modals.js');
    const v = (value: string) => ({ v: { value } });
    expect(readSubmission('quiz', { course: v('Decimals'), score: v('7.25'), max: v('10') })).toEqual({
      kind: 'quiz',
      input: { course: 'Decimals', score: 7.25, maxScore: 10 },
    });
    expect(readSubmission('quiz', { course: v('X'), score: v('1'), max: v('0') })).toEqual({
      errors: { max: 'More than 0.' },
    });
    expect(readSubmission('linkedin', { followers: v('500000000') })).toMatchObject({
      input: { values: [{ metric: 'followers', value: 500_000_000 }] },
    });
    expect(readSubmission('linkedin', { followers: v('1000000001') })).toEqual({
      errors: { followers: 'At most 1,000,000,000.' },
    });
  });
});
