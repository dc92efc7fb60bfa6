import { celebrationsChannelOf, detectMilestones, detectWins } from './detect.js';
import { sendPending, type TSendOutcome } from './send.js';
import type { TMomentsContext, TMomentsRules } from './types.js';

export type TMomentsOutcome = TSendOutcome & { detectedWins: number; detectedMilestones: number };

/**
 * The moments minute task (issue 17), once a minute for each workspace: rows a dead process left mid-send
 * become uncertain, new wins and crossed milestones are recorded (each once, by its key), then what is pending
 * and settled is sent. Every step is safe to run twice at once (two replicas) or again after a restart.
 */
export async function runMoments(ctx: TMomentsContext, rules: TMomentsRules): Promise<TMomentsOutcome> {
  const channel = celebrationsChannelOf(ctx.workspace, ctx.defaultCelebrationsChannel);
  const detectedWins = await detectWins(ctx, channel);
  const detectedMilestones = await detectMilestones(ctx, channel);
  const sent = await sendPending(ctx, rules, channel);
  if (detectedWins || detectedMilestones || sent.sent || sent.failed || sent.uncertain)
    ctx.logger.info({ detectedWins, detectedMilestones, ...sent }, 'moments');
  return { detectedWins, detectedMilestones, ...sent };
}
