import { describe, expect, it } from 'vitest';
import { diagnoseDecline, type TPeriodSnapshot, type TUsualContext } from '../../src/metrics/diagnosis.js';
import { buildWhy } from '../../src/views/why.js';
import { HOSTILE, repReport } from './fixtures.js';

/**
 * `/kpi why` without a verdict: a heading naming the rule that was not met, then the numbers, said once. The
 * heading used to be "Not enough history yet." before an explanation beginning "Not enough history…", and it
 * was said even when the rep had 140 won deals.
 */
const month = (key: string, wonTotal: number, wonCount: number): TPeriodSnapshot => ({
  key,
  wonTotal,
  wonCount,
  winRate: 0.5,
  created: 10,
  outreach: 100,
  personalized: 20,
});
const usual: TUsualContext = {
  unit: 'month',
  periodLabel: 'July 2017',
  since: 'May 2017',
  newThisPeriod: false,
};
const why = (name: string, trailing: TPeriodSnapshot[], context = usual) =>
  buildWhy(
    repReport(name, {
      diagnosis: diagnoseDecline(month('2017-07', 0, 0), trailing, {
        repName: name,
        formatMoney: (minor) => `$${minor / 100}`,
        usual: context,
      }),
    }),
  );

describe('why without a verdict', () => {
  it('a new rep: "Not enough history yet." once, then how much there is and what is needed', () => {
    const reply = why('Dana Scott', [month('2017-06', 500_000, 3)]);
    expect(reply.terminal.split('\n').slice(1).join(' ')).toBe(
      'Not enough history yet. Dana Scott is new: 1 full month since their record began in May 2017 (a month they were there for only part of is left out); a usual needs at least 3 full months of record.',
    );
    expect(reply.text.match(/not enough history/gi)).toHaveLength(1);
  });

  it('a usual of zero despite many deals: its own heading, no "not enough history"', () => {
    const lumpy = [0, 0, 0, 0, 70, 70].map((deals, i) => month(`2017-0${i + 1}`, deals * 100_000, deals));
    const reply = why('Dana Scott', lumpy);
    expect(reply.terminal).toMatch(/^No usual to compare with\. Dana Scott's usual won revenue is \$0:/m);
    expect(reply.terminal).not.toMatch(/not enough history/i);
    expect(reply.data).toMatchObject({
      diagnosis: { verdict: 'insufficient_data', shortOf: { rule: 'usual_above_zero', have: 4, need: 3 } },
    });
  });

  it('a hostile name is escaped in Slack and shown as written in the terminal, in every explanation', () => {
    for (const trailing of [[], [0, 0, 0, 0, 7, 7].map((d, i) => month(`2017-0${i + 1}`, d * 100_000, d))]) {
      const reply = why(HOSTILE.markup, trailing, { ...usual, since: null });
      // The mrkdwn section (the header is plain text, shown as written).
      expect(JSON.stringify(reply.blocks[1])).not.toContain('<!here>');
      expect(JSON.stringify(reply.blocks[1])).toContain('&lt;!here&gt;');
      expect(reply.terminal).toContain('<!here>');
    }
  });
});
