import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TStalledDeal } from '../../src/reports/stalled-deals.js';
import { unescapeMrkdwn } from '../../src/views/help.js';
import { buildStalledDealsDm, stalledAmount, stalledDealLine } from '../../src/views/stalled.js';
import { BIDI, EVE, expectSafe } from './hostile-text.js';

/** The stalled-deals DM on its own: Block Kit within limits, escaped user text, a safe terminal view. */

const deal = (o: Partial<TStalledDeal> = {}): TStalledDeal => ({
  dealId: 'd1',
  repId: 'r1',
  title: 'Acme renewal',
  source: 'csv',
  externalId: 'D-1',
  link: null,
  stage: 'Proposal',
  amountMinor: 1_200_000n,
  currency: 'USD',
  daysInStage: 20,
  usualDays: 9,
  daysSinceActivity: 3,
  reason: 'stage',
  ...o,
});
const OPTS = { stalledDays: 14, locale: 'en-US' };

function mrkdwnOf(blocks: KnownBlock[]): { text: string; max: number }[] {
  return blocks.flatMap((b) => {
    if (b.type === 'section') return b.text ? [{ text: b.text.text, max: 3000 }] : [];
    if (b.type === 'context')
      return b.elements.flatMap((e) =>
        'text' in e && typeof e.text === 'string' ? [{ text: e.text, max: 3000 }] : [],
      );
    return [];
  });
}

function expectWithinLimits(blocks: KnownBlock[]) {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks) if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
  for (const { text, max } of mrkdwnOf(blocks)) {
    expect(text.length).toBeLessThanOrEqual(max);
    // Never cut inside an entity; every bold span closed on its line.
    expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    for (const line of text.split('\n'))
      expect((line.replace(/`[^`]*`/g, '').match(/\*/g) ?? []).length % 2, line).toBe(0);
  }
}

describe('stalled-deals DM', () => {
  it('a line: the title bold (linked when a link is known), stage, amount, days against the usual, activity', () => {
    expect(stalledDealLine(deal(), OPTS)).toBe(
      "*Acme renewal* · Proposal · $12,000\n20 days in stage (team's usual: up to 9 days) · last activity 3 days ago · CSV import id `D-1`",
    );
    expect(
      stalledDealLine(
        deal({
          link: 'https://acme.pipedrive.com/deal/17',
          source: 'pipedrive',
          externalId: '17',
          title: 'A|B',
        }),
        OPTS,
      ),
    ).toBe(
      "*<https://acme.pipedrive.com/deal/17|A/B>* · Proposal · $12,000\n20 days in stage (team's usual: up to 9 days) · last activity 3 days ago",
    );
    // Activity first when that is the rule that caught it; no amount, no usual, no activity ever.
    expect(
      stalledDealLine(
        deal({
          reason: 'activity',
          amountMinor: 0n,
          usualDays: null,
          daysSinceActivity: null,
          daysInStage: 1,
        }),
        OPTS,
      ),
    ).toBe(
      '*Acme renewal* · Proposal\nno activity logged (14 days or more counts as stalled) · 1 day in stage · CSV import id `D-1`',
    );
    // A source that logs no activity on deals: the stage facts only, no "no activity logged" (it means nothing).
    const untracked = deal({ source: 'hubspot', activityTracked: false, daysSinceActivity: null });
    expect(stalledDealLine(untracked, OPTS)).toBe(
      "*Acme renewal* · Proposal · $12,000\n20 days in stage (team's usual: up to 9 days) · HubSpot id `D-1`",
    );
    expect(buildStalledDealsDm([untracked], OPTS).terminal).not.toContain('activity logged');
    expect(buildStalledDealsDm([untracked], OPTS).terminal).toContain(
      "20 days in stage (team's usual: up to 9 days)",
    );
    // A link that is not a plain https URL is not made into one (the id is shown instead).
    expect(stalledDealLine(deal({ link: 'javascript:alert(1)' }), OPTS)).toContain('CSV import id `D-1`');
    expect(stalledDealLine(deal({ link: 'https://x.example/a|<!channel>' }), OPTS)).not.toContain('<https');
  });

  it('money in the deal’s own currency and minor unit', () => {
    expect(stalledAmount(deal({ amountMinor: 50_000n, currency: 'JPY' }))).toBe('¥50,000');
    expect(stalledAmount(deal({ amountMinor: 12_345n, currency: 'EUR' }))).toBe('€123.45');
    expect(stalledAmount(deal({ amountMinor: 0n }))).toBeNull();
    expect(stalledAmount(deal({ amountMinor: 1000n, currency: 'NOT A CODE' }))).toBe('10 NOT A CODE');
  });

  it('hostile titles, stages and ids: escaped in Slack, never a mention or markup; the terminal is safe', () => {
    const hostile = deal({
      title: `<!channel> *bold* _it_ ~x~ \`code\` <https://evil.example|click> & ${EVE} ${'y'.repeat(300)}`,
      stage: `<@U0BOSS> ${BIDI}`,
      externalId: '`id` <!here>',
    });
    const m = buildStalledDealsDm([hostile, deal({ title: BIDI })], OPTS);
    expectWithinLimits(m.blocks);
    const json = JSON.stringify(m.blocks) + m.text;
    for (const bad of ['<!channel>', '<!here>', '<@U0BOSS>', '<https://evil.example|', '\u001b'])
      expect(json).not.toContain(bad);
    const line = mrkdwnOf(m.blocks)[1]?.text ?? '';
    // What a reader sees is the title as written, clipped.
    expect(unescapeMrkdwn(line)).toContain('<!channel> ');
    expect(line).not.toContain('y'.repeat(200));
    expectSafe(m.terminal);
    expect(m.terminal).toContain('<!channel> *bold*');
    expect(m.terminal.split('\n')[0]).toBe('STALLED DEALS · 2 DEALS NEED A NUDGE');
  });

  it('a long list stays within Block Kit limits and says how many more there are', () => {
    let cut = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            title: fc.string({
              maxLength: 400,
              unit: fc.constantFrom('a', '*', '_', '~', '<', '>', '&', '`', ' ', 'é', '😀'),
            }),
            stage: fc.string({ maxLength: 200 }),
            externalId: fc.string({ maxLength: 120 }),
            days: fc.nat(5000),
          }),
          { maxLength: 400, size: 'max' },
        ),
        (rows) => {
          const deals = rows.map((r, i) =>
            deal({
              dealId: `d${i}`,
              title: r.title,
              stage: r.stage,
              externalId: r.externalId,
              daysInStage: r.days,
            }),
          );
          const m = buildStalledDealsDm(deals, OPTS);
          expectWithinLimits(m.blocks);
          expect(m.text.length).toBeLessThanOrEqual(1000);
          expect(m.text.length).toBeGreaterThan(0);
          const sections = mrkdwnOf(m.blocks).slice(1, -1);
          const shown = sections.reduce(
            (n, s) => n + s.text.split('\n').filter((l) => l.startsWith('*')).length,
            0,
          );
          // The ten most stalled, then how many more (no age known here, so no "oldest open").
          const rest = /^…and (\d+) more stalled deals?$/.exec(sections.at(-1)?.text ?? '');
          expect(shown).toBe(Math.min(10, deals.length));
          expect(shown + Number(rest?.[1] ?? 0)).toBe(deals.length);
          if (rest) cut += 1;
          // The terminal names the same ten and says how many more.
          expect(m.terminal.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(shown);
          if (rest) expect(m.terminal).toContain(rest[0]);
        },
      ),
      { numRuns: 60 },
    );
    // The property met lists too long for one message, not only short ones.
    expect(cut).toBeGreaterThan(5);
  });
});
