import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOTIFY_DEFAULTS } from '../../src/domain/notify.js';
import {
  contentOf,
  digestItem,
  isDigestDay,
  isDueAt,
  lastDigestMoment,
  orderDigestItems,
  SEVERITY,
  STALLED_RULE,
  severityOf,
  stalledContent,
} from '../../src/jobs/digest.js';
import { RULE_IDS } from '../../src/reports/coaching-rules.js';
import type { TStalledDeal } from '../../src/reports/stalled-deals.js';
import { escapeMrkdwn } from '../../src/views/help.js';
import { buildCoachingDigest, digestDay, digestNextSteps, type TDigestItem } from '../../src/views/jobs.js';

/** The digest's pure parts: order, Block Kit limits, digest day and time. */

/** Monday 12 June 2017, 08:30 in New York (12:30 UTC). */
const AT = { at: new Date('2017-06-12T12:30:00Z'), timezone: 'America/New_York' };

const item = (rep: string, rule: string, id: string, repName = rep): TDigestItem => ({
  alertId: id,
  rep: { id: rep, name: repName },
  rule,
  title: rule,
  headline: `${repName} ${rule}`,
  facts: 'facts',
  reason: 'reason',
  nextStep: 'next',
  links: [],
});

describe('severity and order', () => {
  it('orders every rule of the coaching rules, stalled deals last', () => {
    expect([...SEVERITY].sort()).toEqual([...RULE_IDS, STALLED_RULE].sort());
    expect(SEVERITY.at(-1)).toBe(STALLED_RULE);
    expect(severityOf('sales_decline')).toBe(0);
    expect(severityOf('no_such_rule')).toBe(SEVERITY.length);
  });

  it('groups by rep, the most serious rep first, each rep most serious first, whatever the input order', () => {
    const arbItem = fc.record({
      rep: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
      rule: fc.constantFrom(...SEVERITY, 'unknown_rule'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbItem, { selector: (x) => `${x.rep}|${x.rule}`, maxLength: 20 }),
        (raw) => {
          const items = raw.map((x, i) =>
            item(x.rep, x.rule, `a${i}`, x.rep === 'r4' ? 'Aaron' : `Rep ${x.rep}`),
          );
          const ordered = orderDigestItems(items);
          expect(ordered).toHaveLength(items.length);
          // The same result from any permutation of the input.
          const reversed = orderDigestItems([...items].reverse());
          const shuffled = orderDigestItems([...items].sort((a, b) => (a.rule < b.rule ? 1 : -1)));
          expect(reversed.map((i) => i.alertId)).toEqual(ordered.map((i) => i.alertId));
          expect(shuffled.map((i) => i.alertId)).toEqual(ordered.map((i) => i.alertId));
          // Each rep's items together, most serious first.
          const reps = ordered.map((i) => i.rep.id).filter((r, k, all) => all[k - 1] !== r);
          expect(new Set(reps).size).toBe(reps.length);
          for (const rep of reps) {
            const sev = ordered.filter((i) => i.rep.id === rep).map((i) => severityOf(i.rule));
            expect(sev).toEqual([...sev].sort((a, b) => a - b));
          }
          // Reps by their most serious item.
          const tops = reps.map((r) =>
            Math.min(...ordered.filter((i) => i.rep.id === r).map((i) => severityOf(i.rule))),
          );
          expect(tops).toEqual([...tops].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe('the digest message', () => {
  const hostile = `<!channel> *x* _y_ ~z~ \`c\` & <@U0EVIL> ${'n'.repeat(250)}`;

  it('stays within Block Kit limits with 60 reps, long texts and hostile names; the terminal keeps every item', () => {
    const items = Array.from({ length: 60 }, (_, r) =>
      SEVERITY.slice(0, 3).map((rule, k) => ({
        ...item(`r${r}`, rule, `a${r}-${k}`, `${hostile} ${r}`),
        facts: `${hostile} `.repeat(20),
        links: [{ url: 'https://crm.example/deal/1', label: hostile }],
      })),
    ).flat();
    for (const digest of [
      buildCoachingDigest({ kind: 'manager', items }, AT),
      buildCoachingDigest(
        {
          kind: 'admins',
          // Every rep's manager named (a long hostile name), a third with none.
          items: orderDigestItems(
            items.map((i, k) => ({ ...i, manager: k % 3 === 0 ? null : `${hostile} manager ${k % 2}` })),
          ),
          managersWithoutSlack: Array.from({ length: 200 }, (_, i) => `${hostile} ${i}`),
          repsWithoutManager: Array.from({ length: 200 }, (_, i) => `${hostile} ${i}`),
        },
        AT,
      ),
    ]) {
      expect(digest.blocks.length).toBeLessThanOrEqual(50);
      const json = JSON.stringify(digest.blocks);
      expect(json).not.toContain('<!channel>');
      expect(json).not.toContain('<@U0EVIL>');
      for (const b of digest.blocks) {
        const text = (b as { text?: { text: string } }).text?.text ?? '';
        expect(text.length).toBeLessThanOrEqual(b.type === 'header' ? 150 : 3000);
      }
      expect(digest.text.length).toBeLessThanOrEqual(3000);
      expect(digest.text).not.toContain('<!channel>');
      expect(json).toContain('more alerts about');
      // Every item in the terminal, each with its controls.
      expect(
        digest.terminal.split('\n').filter((l) => l.includes('[Snooze 1 week] [Mark handled]')),
      ).toHaveLength(180);
    }
  });

  it('shows every item when they fit, with no summary', () => {
    const items = Array.from({ length: 47 }, (_, i) => item(`r${i}`, 'sales_decline', `a${i}`));
    const d = buildCoachingDigest({ kind: 'manager', items }, AT);
    expect(d.blocks).toHaveLength(49);
    expect(JSON.stringify(d.blocks)).not.toContain('more alert');
  });
});

describe('digest day and time', () => {
  const zone = 'Europe/Berlin';
  it('knows digest days in the workspace zone', () => {
    // Friday 23:30 UTC is Saturday 00:30 in Berlin.
    const at = new Date('2026-12-04T23:30:00Z');
    expect(isDigestDay('weekdays', at, zone)).toBe(false);
    expect(isDigestDay('saturday', at, zone)).toBe(true);
    expect(isDigestDay('friday', at, zone)).toBe(false);
    expect(isDigestDay('daily', at, zone)).toBe(true);
  });

  it('finds the last digest moment: weekdays skip the weekend, a DST change keeps the local time', () => {
    const prefs = { ...NOTIFY_DEFAULTS, digestDay: 'weekdays' as const, digestTime: '17:00' };
    // Monday 7 December 2026, 09:00 in Berlin: the last was Friday 17:00.
    expect(lastDigestMoment(prefs, zone, new Date('2026-12-07T08:00:00Z'))?.toISOString()).toBe(
      '2026-12-04T16:00:00.000Z',
    );
    // Across the end of summer time (25 October 2026): Monday 26 October 17:00 is 16:00 UTC, Friday's 15:00.
    expect(lastDigestMoment(prefs, zone, new Date('2026-10-26T16:00:00Z'))?.toISOString()).toBe(
      '2026-10-26T16:00:00.000Z',
    );
    expect(lastDigestMoment(prefs, zone, new Date('2026-10-26T15:59:00Z'))?.toISOString()).toBe(
      '2026-10-23T15:00:00.000Z',
    );
    expect(lastDigestMoment({ ...prefs, digestTime: null }, zone, new Date())).toBeUndefined();
    // Queued in the digest's own minute: due; the minute after: the next one.
    const moment = new Date('2026-12-04T16:00:00Z');
    expect(isDueAt(new Date('2026-12-04T16:00:40Z'), moment)).toBe(true);
    expect(isDueAt(new Date('2026-12-04T16:01:00Z'), moment)).toBe(false);
    expect(isDueAt(new Date('2026-12-04T16:00:00Z'), undefined)).toBe(false);
  });
});

describe('alert content', () => {
  it('reads a queued alert back, and an older plain message as its headline', () => {
    expect(contentOf({ rule: 'sales_decline', periodKey: '2026-11', message: 'Lee fell' })).toMatchObject({
      headline: 'Lee fell',
      facts: '',
    });
    expect(contentOf({ rule: 'x', periodKey: 'p', message: '{"rule":1}' }).headline).toBe('{"rule":1}');
  });

  it('lists stalled deals with a link or the CRM id: a summary line and the three most stalled', () => {
    const deal = (i: number, link: string | null) => ({
      dealId: `d${i}`,
      repId: 'r',
      title: `Deal ${i}`,
      source: 'hubspot',
      externalId: `${1000 + i}`,
      link,
      stage: 'Proposal',
      amountMinor: 500_000n,
      currency: 'USD',
      daysInStage: 40,
      usualDays: 12,
      daysSinceActivity: null,
      reason: 'both' as const,
    });
    const c = stalledContent(
      { name: 'Lee' },
      [
        deal(1, 'https://app.hubspot.com/contacts/1/deal/1001'),
        ...Array.from({ length: 9 }, (_, i) => deal(i + 2, null)),
      ],
      '2026-11-30/week',
      'en-US',
    );
    expect(c.headline).toBe('Lee has 10 stalled deals');
    expect(c.facts).toBe(
      [
        '10 stalled · $50,000 open value where known.',
        "(1) Deal 1 · Proposal · $5,000: 40 days in stage (team's usual: up to 12 days) · no activity logged (14 days or more counts as stalled)",
        "(2) Deal 2 · Proposal · $5,000: 40 days in stage (team's usual: up to 12 days) · no activity logged (14 days or more counts as stalled) · HubSpot id 1002",
        "(3) Deal 3 · Proposal · $5,000: 40 days in stage (team's usual: up to 12 days) · no activity logged (14 days or more counts as stalled) · HubSpot id 1003",
        '…and 7 more.',
      ].join(' '),
    );
    expect(c.reason).toBe(
      "10 with no activity for 14+ days, 10 longer in their stage than the team's usual (some deals meet more than one).",
    );
    expect(c.links).toEqual([{ url: 'https://app.hubspot.com/contacts/1/deal/1001', label: 'Deal 1' }]);
    expect(c.periodKey).toBe('2026-11-30/week');
  });
});

describe("the stalled-deals item after a manager's review", () => {
  const deal = (i: number, o: Partial<TStalledDeal> = {}): TStalledDeal => ({
    dealId: `d${i}`,
    repId: 'r',
    title: `Deal ${i}`,
    source: 'csv',
    externalId: `E-${i}`,
    link: null,
    stage: 'Engaging',
    amountMinor: 0n,
    currency: 'USD',
    daysInStage: 150,
    stageSince: 'opened',
    ageDays: 150,
    usualCloseDays: 104,
    usualDays: null,
    daysSinceActivity: null,
    activityTracked: false,
    stalledDays: 14,
    reason: 'age',
    rules: ['age'],
    ...o,
  });

  it("amounts in each deal's own currency and minor unit; none shown for a deal without one", () => {
    const c = stalledContent(
      { name: 'Lee' },
      [
        deal(1, { amountMinor: 500_000n, currency: 'JPY' }),
        deal(2, { amountMinor: 1_500_000n, currency: 'KWD' }),
        deal(3),
      ],
      'w',
      'en-US',
    );
    expect(c.facts).toContain('(1) Deal 1 · Engaging · ¥500,000: open 150 days');
    expect(c.facts).toMatch(/\(2\) Deal 2 · Engaging · KWD\s1,500: open 150 days/);
    expect(c.facts).toContain('(3) Deal 3 · Engaging: open 150 days');
    expect(c.facts).not.toMatch(/\$0|¥5,000\b|15,000/);
    expect(
      c.facts.startsWith(
        '3 stalled · oldest open 150 days · ¥500,000 + KWD\u00a01,500 open value where known.',
      ),
    ).toBe(true);
    // No amount anywhere: no open value.
    expect(stalledContent({ name: 'Lee' }, [deal(1)], 'w', 'en-US').facts).toBe(
      '1 stalled · oldest open 150 days. (1) Deal 1 · Engaging: open 150 days; the team closes 90% within 104 days · CSV import id E-1',
    );
  });

  it('per rep: one summary line and the three most stalled, an untitled deal named, an emoji never split', () => {
    const deals = [
      deal(1, { ageDays: 185, title: '', product: 'GTX Pro', account: 'Acme', amountMinor: 1_000_000n }),
      deal(2, {
        title: `${'x'.repeat(58)}😀 tail`,
        link: 'https://acme.pipedrive.com/deal/2',
        source: 'pipedrive',
      }),
      ...Array.from({ length: 25 }, (_, i) => deal(i + 3, { amountMinor: 100_000n })),
      ...Array.from({ length: 3 }, (_, i) =>
        deal(i + 40, {
          reason: 'activity',
          rules: ['activity'],
          activityTracked: true,
          ageDays: 30,
          daysInStage: 30,
          amountMinor: 0n,
        }),
      ),
      deal(50, { reason: 'activity', rules: ['activity', 'age'], activityTracked: true, amountMinor: 0n }),
    ];
    const c = stalledContent({ name: 'Lee' }, deals, 'w', 'en-US');
    expect(c.headline).toBe('Lee has 31 stalled deals');
    const [summary, ...rest] = c.facts.split(/ \(\d\) /);
    expect(summary).toBe('31 stalled · oldest open 185 days · $35,000 open value where known.');
    expect(rest).toHaveLength(3);
    expect(rest[0]).toBe(
      'GTX Pro · Acme · Engaging · $10,000: open 185 days; the team closes 90% within 104 days · CSV import id E-1',
    );
    expect(c.facts.endsWith(' …and 28 more.')).toBe(true);
    expect(c.reason).toBe(
      '28 open longer than the team takes to close (90% within 104 days), 4 with no activity for 14+ days (some deals meet more than one).',
    );
    // The link label: clipped at 60 without splitting the emoji (no lone surrogate).
    expect(c.links).toHaveLength(1);
    const label = c.links[0]?.label ?? '';
    expect(label.length).toBeLessThanOrEqual(60);
    expect(label).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(label).toBe(`${'x'.repeat(58)}…`);
    // The workspace's own stalledDays, as the deals were judged by.
    const week = stalledContent(
      { name: 'Lee' },
      [deal(1, { reason: 'activity', rules: ['activity'], activityTracked: true, stalledDays: 30 })],
      'w',
      'en-US',
    );
    expect(week.reason).toBe('1 with no activity for 30+ days.');
    expect(week.facts).toContain('no activity logged (30 days or more counts as stalled)');
  });

  it('within the digest: one item of a few lines per rep, within Block Kit limits, hostile text escaped', () => {
    const hostile = `<!channel> *${'Ω'.repeat(300)}* & <@U0BOSS>`;
    const deals = Array.from({ length: 77 }, (_, i) =>
      deal(i, { title: hostile, stage: hostile, externalId: hostile, amountMinor: BigInt(i * 1000) }),
    );
    const c = stalledContent({ name: hostile }, deals, 'w', 'en-US');
    const items = Array.from({ length: 60 }, (_, r) => ({
      ...digestItem(`a${r}`, { id: `r${r}`, name: hostile }, c),
    }));
    const m = buildCoachingDigest(
      { kind: 'manager', items },
      { at: new Date('2026-11-30T08:00:00Z'), timezone: 'UTC' },
    );
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const b of m.blocks)
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    const json = JSON.stringify(m.blocks) + m.text;
    for (const bad of ['<!channel>', '<@U0BOSS>']) expect(json).not.toContain(bad);
  });
});

describe("the admins' message: by team", () => {
  it('groups reps by manager (by name, no manager last), then as a digest does, whatever the input order', () => {
    const arbItem = fc.record({
      rep: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
      rule: fc.constantFrom(...SEVERITY),
    });
    // Each rep has one manager (or none): r1, r2 Celia's; r3 Bea's; r4 none; r5 Zoe's.
    const managerOf: Record<string, string | null> = {
      r1: 'Celia Rouche',
      r2: 'Celia Rouche',
      r3: 'Bea Abbot',
      r4: null,
      r5: 'Zoe Zimmer',
    };
    fc.assert(
      fc.property(
        fc.uniqueArray(arbItem, { selector: (x) => `${x.rep}|${x.rule}`, maxLength: 25 }),
        fc.nat(),
        (raw, seed) => {
          const items = raw.map((x, i) => ({ ...item(x.rep, x.rule, `a${i}`), manager: managerOf[x.rep] }));
          const ordered = orderDigestItems(items);
          // Any permutation of the input gives the same order.
          const shuffled = [...items].sort(
            (a, b) =>
              ((Number(a.alertId.slice(1)) * 7919 + seed) % 101) -
              ((Number(b.alertId.slice(1)) * 7919 + seed) % 101),
          );
          expect(orderDigestItems(shuffled).map((i) => i.alertId)).toEqual(ordered.map((i) => i.alertId));
          // Teams contiguous, in the order Bea, Celia, Zoe, then no manager.
          const teams = ordered.map((i) => i.manager ?? '~none').filter((m, k, all) => all[k - 1] !== m);
          expect(new Set(teams).size).toBe(teams.length);
          const rank = (m: string) => ['Bea Abbot', 'Celia Rouche', 'Zoe Zimmer', '~none'].indexOf(m);
          expect(teams.map(rank)).toEqual([...teams.map(rank)].sort((a, b) => a - b));
          // Within a team, as a manager's digest: that team's items alone ordered the same.
          for (const team of teams) {
            const part = ordered.filter((i) => (i.manager ?? '~none') === team);
            expect(
              orderDigestItems(part.map(({ manager: _, ...rest }) => rest)).map((i) => i.alertId),
            ).toEqual(part.map((i) => i.alertId));
          }
        },
      ),
    );
  });

  it("names each rep's team in the item and in the terminal", () => {
    const d = buildCoachingDigest(
      {
        kind: 'admins',
        items: orderDigestItems([
          { ...item('r4', 'sales_decline', 'a1', 'Zed Alone'), manager: null },
          { ...item('r1', 'training_gap', 'a2', 'Kim Ode'), manager: 'Celia *Rouche*' },
        ]),
        managersWithoutSlack: ['Celia *Rouche*'],
        repsWithoutManager: ['Zed Alone'],
      },
      AT,
    );
    const json = JSON.stringify(d.blocks);
    expect(json).toContain(`*Kim Ode* · ${escapeMrkdwn("Celia *Rouche*'s team")} · training_gap`);
    expect(json).toContain('*Zed Alone* · no manager · sales_decline');
    expect(json.indexOf('Kim Ode')).toBeLessThan(json.indexOf('*Zed Alone* ·'));
    const lines = d.terminal.split('\n');
    expect(lines).toContain("Kim Ode · Celia *Rouche*'s team");
    expect(lines).toContain('Zed Alone · no manager');
  });
});

describe("the digest's date and next steps", () => {
  it('dates the header with the local day in the workspace zone', () => {
    expect(digestDay(new Date('2017-06-12T12:30:00Z'), 'America/New_York')).toBe('Mon 12 Jun 2017');
    // 03:30 UTC on Monday is still Sunday evening in New York, and already Monday afternoon in Tokyo.
    expect(digestDay(new Date('2017-06-12T03:30:00Z'), 'America/New_York')).toBe('Sun 11 Jun 2017');
    expect(digestDay(new Date('2017-06-11T20:30:00Z'), 'Asia/Tokyo')).toBe('Mon 12 Jun 2017');
    const items = [
      item('r1', 'sales_decline', 'a1', 'Kim Ode'),
      item('r2', 'training_gap', 'a2', 'Lee Park'),
    ];
    const d = buildCoachingDigest({ kind: 'manager', items }, AT);
    const header = d.blocks[0] as { type: string; text: { text: string } };
    expect(header.type).toBe('header');
    expect(header.text.text).toBe('Coaching digest · Mon 12 Jun 2017 · 2 alerts about 2 reps');
    expect(d.text.startsWith('Coaching digest · Mon 12 Jun 2017 · 2 alerts about 2 reps: ')).toBe(true);
    expect(d.terminal.split('\n')[0]).toBe('COACHING DIGEST · MON 12 JUN 2017 · 2 ALERTS ABOUT 2 REPS');
    const admins = buildCoachingDigest(
      { kind: 'admins', items, managersWithoutSlack: [], repsWithoutManager: ['Kim Ode', 'Lee Park'] },
      { at: new Date('2017-06-12T03:30:00Z'), timezone: 'America/New_York' },
    );
    expect((admins.blocks[0] as { text: { text: string } }).text.text).toBe(
      'Coaching alerts with no manager on Slack · Sun 11 Jun 2017 · 2 alerts about 2 reps',
    );
  });

  it('says an identical next step or 1:1 agenda once, later ones pointing back to it', () => {
    const agenda = '1:1 agenda: (1) what changed (2) pipeline (3) one habit';
    const hostile = '<!channel> *Bo* & <@U0EVIL>';
    const items: TDigestItem[] = [
      { ...item('r1', 'sales_decline', 'a1', hostile), nextStep: `Review discounts. ${agenda}` },
      { ...item('r1', 'lost_outpacing_created', 'a2', hostile), nextStep: '1:1 agenda: (1) other' },
      { ...item('r2', 'sales_decline', 'a3', 'Lee Park'), nextStep: `Listen to lost calls. ${agenda}` },
      { ...item('r2', 'training_gap', 'a4', 'Lee Park'), nextStep: `Listen to lost calls. ${agenda}` },
      { ...item('r3', 'sales_decline', 'a5', 'Ora Quinn'), nextStep: `Review discounts. ${agenda}` },
      { ...item('r3', 'training_gap', 'a6', 'Ora Quinn'), nextStep: '' },
    ];
    expect(digestNextSteps(items, (s) => s)).toEqual([
      `Review discounts. ${agenda}`,
      '1:1 agenda: (1) other',
      'Listen to lost calls. 1:1 agenda: as for <!channel> *Bo* & <@U0EVIL> above.',
      'Same as above.',
      `Same as for <!channel> *Bo* & <@U0EVIL> above.`,
      '',
    ]);
    const d = buildCoachingDigest({ kind: 'manager', items }, AT);
    const json = JSON.stringify(d.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U0EVIL>');
    expect(json.split('(1) what changed')).toHaveLength(2);
    expect(json).toContain('Listen to lost calls. 1:1 agenda: as for &lt;!channel&gt;');
    expect(d.terminal).toContain(
      'Next step: Listen to lost calls. 1:1 agenda: as for <!channel> *Bo* & <@U0EVIL> above.',
    );
    expect(d.terminal.split('(1) what changed')).toHaveLength(2);
  });
});
