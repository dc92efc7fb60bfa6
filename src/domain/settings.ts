import { z } from 'zod';

/** A workspace's settings JSON (Workspace.settings). Unknown keys are kept; bad values fall back to defaults. */
export const ZWorkspaceSettings = z
  .object({
    /**
     * The funnel's stages in order (CRM stage names or ids, as the deals spell them); stages outside it are not
     * funnel stages. Unset: the order learned from the deals (src/metrics/funnel.ts inferStageOrder). Set by
     * `/kpi settings funnel-stages`.
     */
    funnelStages: z.array(z.string().min(1)).min(1).optional().catch(undefined),
    /** CRM stage ids that mean won / lost (HubSpot's default pipeline: closedwon / closedlost). */
    wonStages: z.array(z.string().min(1)).optional(),
    lostStages: z.array(z.string().min(1)).optional(),
    /** Slack user ids of KPI Bot admins besides reps with role admin (they see everyone, set targets...). */
    admins: z.array(z.string().min(1)).optional(),
    /** HubSpot company lifecycle stages that mean a customer left (none by default). */
    churnLifecycleStages: z.array(z.string().min(1)).optional(),
    /** Scheduled jobs: each one's cron schedule (workspace time) and on/off; the leaderboard's options. */
    jobs: z
      .object({
        leaderboard: z
          .object({
            schedule: z.string().optional(),
            enabled: z.boolean().optional(),
            metric: z.string().optional(),
            top: z.number().int().min(1).max(25).optional(),
          })
          .optional(),
        'coaching-alerts': z
          .object({ schedule: z.string().optional(), enabled: z.boolean().optional() })
          .optional(),
        /** The weekly stalled-deals DMs to reps (issue 17). */
        'stalled-deals': z
          .object({ schedule: z.string().optional(), enabled: z.boolean().optional() })
          .optional(),
      })
      .optional()
      .catch(undefined),
    /** Coaching alert rules: on/off and threshold per rule id (docs/metrics.md, "Coaching alerts"). */
    alerts: z
      .record(z.string(), z.object({ enabled: z.boolean().optional(), threshold: z.number().optional() }))
      .optional()
      .catch(undefined),
    /** No direct messages between these local times ("HH:MM"), e.g. 20:00 to 08:00; null = none. */
    quietHours: z
      .object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) })
      .nullable()
      .optional()
      .catch(undefined),
    /**
     * The channel deal-won celebrations and 100% milestones go to (a Slack channel id); unset: the
     * KPI_CELEBRATIONS_CHANNEL default; null: off even when that default is set. `/kpi settings celebrations-channel`.
     */
    celebrationsChannel: z.string().min(1).nullable().optional().catch(undefined),
    /** Deals won below this amount (whole units of the workspace currency) are not celebrated. */
    celebrateMin: z.number().nonnegative().optional().catch(undefined),
    /** Days without logged activity after which an open deal is stalled by the activity rule (where its CRM logs activity on deals; default in src/domain/notify.ts). */
    stalledDays: z.number().int().min(1).max(365).optional().catch(undefined),
    /** Slack user ids of people who asked for their own leaderboard rank by direct message each week. */
    rankOptIn: z.array(z.string().min(1)).optional().catch(undefined),
  })
  .passthrough();
export type TWorkspaceSettings = z.infer<typeof ZWorkspaceSettings>;

/** Parses Workspace.settings, never throwing: a corrupt value reads as no settings. */
export function parseWorkspaceSettings(json: string): TWorkspaceSettings {
  try {
    const parsed = ZWorkspaceSettings.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export const DEFAULT_WON_STAGES = ['closedwon'];
export const DEFAULT_LOST_STAGES = ['closedlost'];

/** Writes some settings keys (the rest kept as they are); `undefined` removes a key. */
export function mergeWorkspaceSettings(json: string, patch: Partial<TWorkspaceSettings>): string {
  let current: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(json) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      current = parsed as Record<string, unknown>;
  } catch {
    current = {};
  }
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return JSON.stringify(next);
}
