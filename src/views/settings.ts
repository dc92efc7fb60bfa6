import type { TReply } from './types.js';

/** The settings as `/kpi settings` shows them (mrkdwn). */
export function buildSettings(view: {
  timezone: string;
  fiscalYearStartMonth: number;
  weekStartsOn: number;
  currency: string;
  leaderboardChannel: string | null;
  jobs: { job: string; enabled: boolean; schedule: string }[];
  quietHours: { start: string; end: string } | null;
  alertRules: { id: string; enabled: boolean; threshold: number }[];
}): TReply {
  const months = new Intl.DateTimeFormat('en', { month: 'long', timeZone: 'UTC' });
  const days = new Intl.DateTimeFormat('en', { weekday: 'long', timeZone: 'UTC' });
  const text = [
    `Time zone: ${view.timezone}`,
    `Fiscal year starts in: ${months.format(Date.UTC(2000, view.fiscalYearStartMonth - 1, 1)).toLowerCase()}`,
    // 2000-01-02 was a Sunday.
    `Weeks start on: ${days.format(Date.UTC(2000, 0, 2 + view.weekStartsOn)).toLowerCase()}`,
    `Currency: ${view.currency}`,
    `Leaderboard channel: ${view.leaderboardChannel ? `<#${view.leaderboardChannel}>` : 'not set'}`,
    ...view.jobs.map(
      (j) =>
        `${j.job === 'leaderboard' ? 'Weekly leaderboard' : 'Coaching alerts'}: ${j.enabled ? `\`${j.schedule}\`` : 'off'}`,
    ),
    `Quiet hours: ${view.quietHours ? `${view.quietHours.start}-${view.quietHours.end}` : 'off'}`,
    `Alert rules: ${view.alertRules.map((r) => `${r.id} ${r.enabled ? r.threshold : 'off'}`).join(', ')}`,
  ].join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }], visibility: 'ephemeral' };
}

/** "Saved: quiet-hours are now 21:00-07:00." (plain text; `backticks` mark a literal value). */
export function settingChangedText(changed: { key: string; subject: string; shown: string }): string {
  return `Saved: ${changed.subject} ${changed.key === 'quiet-hours' ? 'are' : 'is'} now ${changed.shown}.`;
}
