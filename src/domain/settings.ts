import { z } from 'zod';

/** A workspace's settings JSON (Workspace.settings). Unknown keys are kept; bad values fall back to defaults. */
export const ZWorkspaceSettings = z
  .object({
    /** The funnel's stages in order (CRM stage names or ids); stages outside it are not funnel stages. */
    funnelStages: z.array(z.string().min(1)).optional(),
    /** CRM stage ids that mean won / lost (HubSpot's default pipeline: closedwon / closedlost). */
    wonStages: z.array(z.string().min(1)).optional(),
    lostStages: z.array(z.string().min(1)).optional(),
    /** Slack user ids of KPI Bot admins besides reps with role admin (they see everyone, set targets...). */
    admins: z.array(z.string().min(1)).optional(),
    /** HubSpot company lifecycle stages that mean a customer left (none by default). */
    churnLifecycleStages: z.array(z.string().min(1)).optional(),
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
