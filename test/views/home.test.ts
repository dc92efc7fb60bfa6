import { describe, expect, it } from 'vitest';
import { buildHome } from '../../src/views/home.js';
import { repReport, teamReport } from './fixtures.js';

describe('the App Home tab shows changes and pace as the replies do', () => {
  it('a rate’s change in points, an amount’s in percent, pace words for the current month', () => {
    const own = repReport('Dana Scott', {
      metrics: { ...repReport('x').metrics, 'opportunities.win_rate': 0.86 },
      trends: {
        'sales.won_total': { baseline: 2000.4, teamMedian: null },
        'opportunities.win_rate': { baseline: 0.58, teamMedian: null },
      },
    });
    const text = JSON.stringify(buildHome({ own, team: null }).blocks);
    expect(text).toContain('▲ +28 pts vs usual');
    expect(text).toContain('▲ +25% vs usual');
    expect(text).toContain('50% of $5,000, behind pace');
    expect(text).not.toMatch(/\+48\.\d%/);
  });

  it("a manager's team first, ranked, each rep's lines fit a phone", () => {
    const blocks = buildHome({ own: repReport('Mona'), team: teamReport(['Ana Li', 'Bob Stone']) }).blocks;
    const text = JSON.stringify(blocks);
    expect(text.indexOf('1. *Bob Stone*')).toBeGreaterThan(-1);
    expect(text.indexOf("Mona <b>'s team")).toBeLessThan(text.indexOf('Mona · June 2017'));
    const lines = blocks.flatMap((b) => (b.type === 'section' && b.text ? b.text.text.split('\n') : []));
    for (const line of lines.filter((l) => !/^\d+\. \*/.test(l) && !l.startsWith('*')))
      expect(line.length, line).toBeLessThanOrEqual(60);
  });
});
