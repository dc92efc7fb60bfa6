import type { Prisma } from '../generated/sqlite/client.js';
import type { TTx } from './types.js';

/** Activities as ingestion writes them, by a source's ids; each function names its workspace or the row. */

/** The activities of a source by the source's ids (those stored). */
export function activitiesOfSource(tx: TTx, workspaceId: string, source: string, externalIds: string[]) {
  return tx.activity.findMany({ where: { workspaceId, source, externalId: { in: externalIds } } });
}

/** The activity of a source by the source's id, or null. */
export function activityOfSource(tx: TTx, workspaceId: string, source: string, externalId: string) {
  return tx.activity.findUnique({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
}

/** Stores a new activity (its data names its workspace). */
export function createActivity(tx: TTx, data: Prisma.ActivityCreateArgs['data']) {
  return tx.activity.create({ data });
}

/** Changes an activity found by activityOfSource (or activitiesOfSource) in the same workspace. */
export function updateActivity(tx: TTx, activityId: string, data: Prisma.ActivityUpdateArgs['data']) {
  return tx.activity.update({ where: { id: activityId }, data });
}
