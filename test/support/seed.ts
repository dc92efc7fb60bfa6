import type { TDb } from '../../src/store/store.js';
import type { Deal, Rep, Workspace } from '../../src/store/types.js';

/** A rep to create: their manager is named, and must come earlier in the list. */
export type TRepSeed = {
  name: string;
  slackUserId?: string;
  email?: string;
  role?: 'rep' | 'manager' | 'admin';
  manager?: string;
};

/** A deal to create for a rep named in the same seed (or already there): won unless told otherwise. */
export type TDealSeed = {
  rep: string;
  amountMinor: bigint;
  openedAt: Date | string;
  closedAt?: Date | string;
  status?: 'won' | 'open' | 'lost';
  stage?: string;
  /** Default `d<n>`, n counting the seed's deals from 1. */
  externalId?: string;
};

const at = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);

/**
 * A workspace with its people and deals in a few lines, instead of row-by-row inserts: the workspace with that
 * Slack team (the bot's own, T0ACME by default, is found; another is created, with `name` and `timezone`), its
 * reps in order (managers by name), and their deals (source `csv`). Resolves with the workspace and the reps by
 * name.
 */
export async function seedWorkspace(
  db: TDb,
  opts: {
    team?: string;
    name?: string;
    timezone?: string;
    reps?: TRepSeed[];
    deals?: TDealSeed[];
  } = {},
): Promise<{ workspace: Workspace; reps: Record<string, Rep>; deals: Deal[] }> {
  const slackTeamId = opts.team ?? 'T0ACME';
  const workspace = await db.workspace.upsert({
    where: { slackTeamId },
    create: { slackTeamId, name: opts.name, ...(opts.timezone ? { timezone: opts.timezone } : {}) },
    update: {
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.timezone !== undefined ? { timezone: opts.timezone } : {}),
    },
  });
  const reps: Record<string, Rep> = {};
  for (const r of opts.reps ?? []) {
    const managerId = r.manager ? reps[r.manager]?.id : undefined;
    if (r.manager && !managerId)
      throw new Error(`seedWorkspace: ${r.name}'s manager ${r.manager} comes later`);
    reps[r.name] = await db.rep.create({
      data: {
        workspaceId: workspace.id,
        name: r.name,
        slackUserId: r.slackUserId,
        email: r.email,
        ...(r.role ? { role: r.role } : {}),
        ...(managerId ? { managerId } : {}),
      },
    });
  }
  const deals: Deal[] = [];
  for (const [i, d] of (opts.deals ?? []).entries()) {
    const rep =
      reps[d.rep] ?? (await db.rep.findFirstOrThrow({ where: { workspaceId: workspace.id, name: d.rep } }));
    const status = d.status ?? 'won';
    deals.push(
      await db.deal.create({
        data: {
          workspaceId: workspace.id,
          repId: rep.id,
          source: 'csv',
          externalId: d.externalId ?? `d${i + 1}`,
          stage: d.stage ?? (status === 'won' ? 'Won' : status === 'lost' ? 'Lost' : 'Engaging'),
          status,
          amountMinor: d.amountMinor,
          openedAt: at(d.openedAt),
          ...(d.closedAt ? { closedAt: at(d.closedAt) } : {}),
        },
      }),
    );
  }
  return { workspace, reps, deals };
}
