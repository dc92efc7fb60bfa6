import type { TJob } from './types.js';

/**
 * PLACEHOLDER (issue 17, being built this session): the weekly stalled-deals DM to each rep. Replaced by the
 * real job; until then it sends nothing and says so.
 */
export const stalledDealsJob: TJob = {
  name: 'stalled-deals',
  defaultSchedule: '0 9 * * 1',
  async run() {
    return { summary: 'stalled-deals: not built yet (nothing sent)' };
  },
};
