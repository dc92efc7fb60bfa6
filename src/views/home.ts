import type { KnownBlock } from '@slack/types';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import type { TTeamMetricsReport } from '../reports/team-metrics.js';
import { OPEN_MODAL_ACTION } from './modals.js';
import { buildScorecard } from './scorecard.js';
import { buildTeamTable } from './team.js';

const TIPS: KnownBlock = {
  type: 'context',
  elements: [
    {
      type: 'mrkdwn',
      text: 'Log what the CRM does not know: `/kpi log call 3 personalized` · `/kpi log linkedin followers=812` · `/kpi quiz "Product 101" 8/10`. Everything else: `/kpi help`.',
    },
  ],
};

const button = (text: string, actionId: string, primary = false) => ({
  type: 'button' as const,
  action_id: actionId,
  text: { type: 'plain_text' as const, text },
  ...(primary ? { style: 'primary' as const } : {}),
});

/** The App Home tab: a rep's scorecard; a manager's team first, then their own; a welcome for anyone else. */
export function buildHome(input: {
  own: TRepMetricsReport | null;
  team: TTeamMetricsReport | null;
  /** The scorecard's chart, already uploaded. */
  image?: KnownBlock;
  /** Shows the "Set a target" button. */
  admin?: boolean;
}): {
  type: 'home';
  blocks: KnownBlock[];
} {
  const blocks: KnownBlock[] = [];
  if (input.team) blocks.push(...buildTeamTable(input.team).blocks, { type: 'divider' });
  if (input.own) blocks.push(...buildScorecard(input.own).blocks);
  if (input.own && input.image) blocks.push(input.image);
  if (!input.own && !input.team) {
    blocks.push(
      { type: 'header', text: { type: 'plain_text', text: 'Welcome to KPI Bot' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Your sales numbers will show here once a KPI Bot admin adds you as a rep (a reps import, or your CRM owner linked to you).',
        },
      },
    );
  }
  const buttons = [
    ...(input.own
      ? [
          button('Log outreach', OPEN_MODAL_ACTION.activity, true),
          button('LinkedIn numbers', OPEN_MODAL_ACTION.linkedin),
          button('Quiz score', OPEN_MODAL_ACTION.quiz),
        ]
      : []),
    ...(input.admin ? [button('Set a target', OPEN_MODAL_ACTION.target)] : []),
  ];
  if (buttons.length) blocks.unshift({ type: 'actions', block_id: 'kpi_home_actions', elements: buttons });
  blocks.push(TIPS);
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
