import type { Prisma } from '../generated/sqlite/client.js';
import type { TTx } from './types.js';

/**
 * A rep's own numbers as ingestion writes them: social readings and posts, training results. Each function
 * names its workspace or the row it changes.
 */

type TSnapshotKey = { workspaceId: string; repId: string; network: string; metric: string; at: Date };

/** The reading of a rep's counter at an instant (its id and value), or null. */
export function snapshotAt(tx: TTx, key: TSnapshotKey) {
  return tx.socialSnapshot.findFirst({ where: key, select: { id: true, value: true } });
}

/** Corrects a reading found by snapshotAt. */
export async function updateSnapshotValue(tx: TTx, snapshotId: string, value: number): Promise<void> {
  await tx.socialSnapshot.update({ where: { id: snapshotId }, data: { value } });
}

/** Stores a new reading. */
export async function createSnapshot(tx: TTx, key: TSnapshotKey, reading: { value: number; source: string }) {
  await tx.socialSnapshot.create({ data: { ...key, value: reading.value, source: reading.source } });
}

/** A post of a network by its id, or null. */
export function postOf(tx: TTx, workspaceId: string, network: string, postId: string) {
  return tx.socialPost.findUnique({
    where: { workspaceId_network_postId: { workspaceId, network, postId } },
  });
}

/** Stores a new post (its data names its workspace). */
export function createPost(tx: TTx, data: Prisma.SocialPostCreateArgs['data']) {
  return tx.socialPost.create({ data });
}

/** Changes a post found by postOf. */
export function updatePost(tx: TTx, postId: string, data: Prisma.SocialPostUpdateArgs['data']) {
  return tx.socialPost.update({ where: { id: postId }, data });
}

/** A training result of a source by its id, or null. */
export function trainingResultOfSource(tx: TTx, workspaceId: string, source: string, externalId: string) {
  return tx.trainingResult.findUnique({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
}

/** Stores a new training result (its data names its workspace). */
export function createTrainingResult(tx: TTx, data: Prisma.TrainingResultCreateArgs['data']) {
  return tx.trainingResult.create({ data });
}

/** Changes a training result found by trainingResultOfSource. */
export function updateTrainingResult(
  tx: TTx,
  resultId: string,
  data: Prisma.TrainingResultUpdateArgs['data'],
) {
  return tx.trainingResult.update({ where: { id: resultId }, data });
}
