import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/views/blocks.js';
import { buildSettingChanged, buildSettings, type TSettingsView } from '../../src/views/settings.js';

/**
 * `/kpi settings` and the confirmation of a change echo what admins typed: 30 stage names full of `&` (each
 * escaped to `&amp;`, five times as long) must still fit Slack's 3,000 characters a section, or Slack refuses
 * the whole message and `/kpi settings` fails for everyone until the list is reset.
 */
const STAGES = Array.from({ length: 30 }, (_, i) => `S${String(i).padStart(2, '0')}${'&'.repeat(60)}`);

const view = (stages: string[]): TSettingsView => ({
  timezone: 'Europe/Berlin',
  fiscalYearStartMonth: 4,
  weekStartsOn: 1,
  currency: 'EUR',
  leaderboardChannel: 'C0SALES',
  jobs: [
    { job: 'leaderboard', enabled: true, schedule: '0 9 * * 1' },
    { job: 'coaching-alerts', enabled: false, schedule: '30 8 * * *' },
  ],
  quietHours: { start: '20:00', end: '08:00' },
  alertRules: [{ id: 'sales_decline', enabled: true, threshold: 0.2, shown: '20%' }],
  funnelStages: { stages, learned: stages.length === 0 },
});

function sectionTexts(blocks: KnownBlock[] | undefined): string[] {
  return (blocks ?? []).flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

function expectWithinSlack(blocks: KnownBlock[] | undefined) {
  const texts = sectionTexts(blocks);
  expect(texts.length).toBeGreaterThan(0);
  expect((blocks ?? []).length).toBeLessThanOrEqual(LIMITS.blocks);
  for (const text of texts) {
    expect(text.length).toBeLessThanOrEqual(LIMITS.text);
    // Never cut inside an entity or a code span.
    expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    for (const line of text.split('\n')) expect((line.match(/`/g) ?? []).length % 2, line).toBe(0);
  }
}

describe('settings views within Slack limits', () => {
  it('the input is the one a reviewer found: under the 4,000-character list limit, escaped far over 3,000', () => {
    expect(STAGES.join(',').length).toBeLessThan(4000);
    expect(STAGES.join(' → ').replace(/&/g, '&amp;').length).toBeGreaterThan(9000);
  });

  it('/kpi settings shows every setting, the long funnel line shortened, in sections within the limit', () => {
    const reply = buildSettings(view(STAGES));
    expectWithinSlack(reply.blocks);
    const all = sectionTexts(reply.blocks).join('\n');
    expect(all).toMatch(/^Time zone: Europe\/Berlin$/m);
    expect(all).toMatch(/^Funnel stages: S00&amp;&amp;/m);
    expect(all).toMatch(/…$/m);
    expect(all).toMatch(/^Alert rules: sales_decline 20%$/m);
    // The terminal and the data keep every name whole.
    expect(reply.terminal).toContain(STAGES[29]);
    expect(reply.data).toMatchObject({ funnelStages: { stages: STAGES, learned: false } });
  });

  it('the confirmation of the change is within the limit, cut outside entities and code spans', () => {
    const reply = buildSettingChanged({
      key: 'funnel-stages',
      subject: 'funnel-stages',
      shown: STAGES.map((s) => `\`${s}\``).join(' → '),
      note: `No deal has been in ${STAGES.slice(0, 10)
        .map((s) => `\`${s}\``)
        .join(', ')} and 20 more yet: check the spelling against your CRM's stages.`,
    });
    expectWithinSlack(reply.blocks);
    expect(sectionTexts(reply.blocks)[0]).toMatch(
      /^:white_check_mark: Saved: funnel-stages are now `S00&amp;/,
    );
    expect(reply.terminal).toContain(STAGES[29]);
  });

  it('a learned funnel reads "(learned from the deals)"', () => {
    expect(buildSettings(view([])).text).toContain('Funnel stages: (learned from the deals)');
  });
});
