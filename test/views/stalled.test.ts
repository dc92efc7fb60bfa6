import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TStalledDeal } from '../../src/reports/stalled-deals.js';
import { unescapeMrkdwn } from '../../src/views/help.js';
import {
  buildStalledDealsDm,
  stalledAmount,
  stalledDealFacts,
  stalledDealLine,
  stalledDealText,
  stalledDealTitle,
} from '../../src/views/stalled.js';
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

describe("stalled-deals DM after a manager's review", () => {
  /** An imported deal: no stage history (time counted from its open date), caught by the age rule. */
  const imported = (o: Partial<TStalledDeal> = {}) =>
    deal({
      stage: 'Engaging',
      daysInStage: 185,
      stageSince: 'opened',
      ageDays: 185,
      usualCloseDays: 104,
      usualDays: null,
      daysSinceActivity: null,
      activityTracked: false,
      reason: 'age',
      rules: ['age'],
      ...o,
    });

  it('no stage history: "open 185 days" with the team’s close time, never "185 days in stage" or "0 days"', () => {
    expect(stalledDealLine(imported(), OPTS)).toBe(
      '*Acme renewal* · Engaging · $12,000\nopen 185 days; the team closes 90% within 104 days · CSV import id `D-1`',
    );
    // Known stage time, not caught by age: the stage fact first, then the deal's age (always shown).
    expect(stalledDealFacts(deal({ ageDays: 40, stageSince: 'history', usualCloseDays: 104 }), 14)).toEqual([
      "20 days in stage (team's usual: up to 9 days)",
      'open 40 days',
      'last activity 3 days ago',
    ]);
    // No open date and no history: a lower bound, said so; the age unknown, said so.
    expect(stalledDealFacts(deal({ ageDays: null, stageSince: 'recorded', daysInStage: 12 }), 14)).toEqual([
      "at least 12 days in stage (team's usual: up to 9 days)",
      'open date unknown',
      'last activity 3 days ago',
    ]);
    // Age and activity both: each fact once, the rules first.
    expect(
      stalledDealFacts(
        imported({
          activityTracked: true,
          reason: 'activity',
          rules: ['activity', 'age'],
          daysSinceActivity: 30,
        }),
        14,
      ),
    ).toEqual([
      'last activity 30 days ago (14 days or more counts as stalled)',
      'open 185 days; the team closes 90% within 104 days',
    ]);
    const m = buildStalledDealsDm([imported()], OPTS);
    expect(m.terminal).toContain('open 185 days; the team closes 90% within 104 days');
    expect(JSON.stringify(m.blocks) + m.text + m.terminal).not.toMatch(/\d+ days? in stage/);
    expect(m.text).toContain('Acme renewal (open 185 days; the team closes 90% within 104 days)');
  });

  it('an untitled deal is named "product · account", else by its CRM id; never "(untitled deal)" when something is known', () => {
    expect(stalledDealTitle(deal({ title: '  ', product: 'GTX Pro', account: 'Acme Corp' }))).toBe(
      'GTX Pro · Acme Corp',
    );
    expect(stalledDealTitle(deal({ title: '', product: 'GTX Pro', account: null }))).toBe('GTX Pro');
    expect(stalledDealTitle(deal({ title: '', product: ' ', account: 'Acme Corp' }))).toBe('Acme Corp');
    expect(stalledDealTitle(deal({ title: '', externalId: '1C1I7A6R' }))).toBe('Deal 1C1I7A6R');
    expect(stalledDealTitle(deal({ title: '', externalId: ' ' }))).toBe('(untitled deal)');
    expect(stalledDealTitle(deal({ title: 'Named', product: 'GTX Pro', account: 'Acme Corp' }))).toBe(
      'Named',
    );
    // Escaped where it is user text; clipped without splitting an emoji.
    const line = stalledDealLine(deal({ title: '', product: '<!channel> *Pro*', account: 'A&B' }), OPTS);
    expect(line.startsWith('*&lt;!channel&gt; ∗Pro∗ · A&amp;B* · Proposal')).toBe(true);
    const long = stalledDealTitle(deal({ title: `${'a'.repeat(148)}😀😀` }));
    expect(long).toBe(`${'a'.repeat(148)}…`);
  });

  it('the DM and the digest use the same words for the same deal', () => {
    const many = [
      imported(),
      deal({ source: 'hubspot', externalId: '9001', reason: 'both', daysSinceActivity: 19, ageDays: 60 }),
      deal({
        source: 'generic',
        externalId: 'X-1',
        reason: 'activity',
        rules: ['activity'],
        daysSinceActivity: 19,
      }),
      deal({ link: 'https://acme.pipedrive.com/deal/17', source: 'pipedrive', externalId: '17' }),
    ];
    for (const d of many) {
      const facts = stalledDealFacts(d, 14).join(' · ');
      const dm = stalledDealLine(d, OPTS).split('\n')[1] ?? '';
      const digest = stalledDealText(d, OPTS);
      expect(dm.startsWith(facts)).toBe(true);
      expect(digest).toContain(facts);
      // How to find it: the same words, the id as code in Slack.
      expect(dm.replace(/`/g, '')).toBe(digest.slice(digest.indexOf(': ') + 2));
    }
    expect(stalledDealText(many[1] as TStalledDeal, OPTS)).toContain(
      'last activity 19 days ago (14 days or more counts as stalled) · open 60 days · HubSpot id 9001',
    );
    expect(stalledDealText(many[2] as TStalledDeal, OPTS)).toContain('JSON API id X-1');
  });

  it('a long list: the ten most stalled, then how many more and the oldest of them', () => {
    const deals = Array.from({ length: 77 }, (_, i) =>
      imported({
        dealId: `d${i}`,
        externalId: `E-${i}`,
        title: `Deal ${i}`,
        ageDays: i === 40 ? 185 : 120 - i,
      }),
    );
    const m = buildStalledDealsDm(deals, OPTS);
    const sections = m.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    const text = sections.join('\n');
    expect([...text.matchAll(/CSV import id `(E-\d+)`/g)].map((x) => x[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => `E-${i}`),
    );
    expect(sections.at(-1)).toBe('…and 67 more stalled deals (oldest open 185 days)');
    expect(m.text).toContain('…and 67 more stalled deals (oldest open 185 days)');
    expect(m.text.length).toBeLessThanOrEqual(1000);
    expect(m.terminal.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(10);
    expect(m.terminal).toContain('…and 67 more stalled deals (oldest open 185 days)');
    expectWithinLimits(m.blocks);
    // Ten or fewer: no "more" line.
    expect(JSON.stringify(buildStalledDealsDm(deals.slice(0, 10), OPTS))).not.toContain('more stalled');
    // One more without a known age: no "oldest".
    expect(
      JSON.stringify(buildStalledDealsDm([...deals.slice(0, 10), imported({ ageDays: null })], OPTS).blocks),
    ).toContain('…and 1 more stalled deal"');
  });
});
