import type { KnownBlock } from '@slack/types';
import type { TReply } from './types.js';

export const SHARE_ACTION = 'kpi_share';

/** An ephemeral reply of a read-only command gains a "Share in channel" button that re-runs it for the channel. */
export function withShareButton(reply: Pick<TReply, 'visibility' | 'shareText' | 'blocks'>): KnownBlock[] {
  if (reply.visibility !== 'ephemeral' || !reply.shareText) return reply.blocks;
  return [
    ...reply.blocks.slice(0, 49),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: SHARE_ACTION,
          text: { type: 'plain_text', text: 'Share in channel' },
          value: reply.shareText,
        },
      ],
    },
  ];
}
