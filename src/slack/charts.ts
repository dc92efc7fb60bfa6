import { createHash } from 'node:crypto';
import type { ImageBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { BoundedMap } from '../bounded-map.js';
import { renderChart } from '../charts/render.js';
import type { TChartSpec } from '../charts/spec.js';
import type { TLogger } from '../logger.js';

/** How long an uploaded chart is reused for the same picture (same data, same workspace). */
const REUSE_MS = 24 * 60 * 60 * 1000;
const MAX_CACHED = 1000;
/** How long a picture Slack refused is sent without its chart. */
export const REFUSED_MS = 60 * 60 * 1000;

type TUploadResult = { files?: { files?: { id?: string }[] }[] };

/**
 * Turns chart specs into Slack image blocks: renders the PNG, uploads it with files.uploadV2 without sharing it
 * in a channel (the bot owns it, so the bot may show it in its replies and views), and refers to it with
 * `slack_file`. The same picture in the same workspace is uploaded once a day at most, so an App Home opened
 * again does not fill the workspace with copies. A chart that cannot be made costs only itself: the reply goes
 * out without it.
 */
export function createChartImages(
  logger: TLogger,
  render: (spec: TChartSpec) => Promise<Buffer> = renderChart,
) {
  const uploaded = new BoundedMap<string, { fileId: string; at: number }>(MAX_CACHED);
  /** Pictures Slack refused to show: not uploaded again for an hour (no upload loop on every refresh). */
  const refused = new BoundedMap<string, number>(MAX_CACHED);
  const keyOf = (teamId: string, spec: TChartSpec) =>
    `${teamId}:${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`;

  /** Deletes a chart file the bot no longer shows (best effort; a file left behind is only clutter). */
  function deleteFile(client: WebClient, fileId: string) {
    void client.files.delete({ file: fileId }).catch((error: unknown) => {
      logger.info({ err: error, file: fileId }, 'an old chart file could not be deleted');
    });
  }

  async function imageBlock(
    client: WebClient,
    teamId: string,
    spec: TChartSpec,
    now = Date.now(),
  ): Promise<ImageBlock | undefined> {
    const key = keyOf(teamId, spec);
    if ((refused.get(key) ?? 0) > now) return undefined;
    const cached = uploaded.get(key);
    let fileId = cached?.fileId;
    if (!cached || now - cached.at > REUSE_MS) {
      try {
        const png = await render(spec);
        const result = (await client.filesUploadV2({
          file: png,
          filename: `${spec.name}.png`,
          title: spec.title,
          alt_text: spec.alt,
        })) as unknown as TUploadResult;
        fileId = result.files?.[0]?.files?.[0]?.id;
        if (!fileId) throw new Error('files.completeUploadExternal named no file');
      } catch (error) {
        logger.warn({ err: error, chart: spec.name }, 'chart not attached: rendering or upload failed');
        return undefined;
      }
      // A day-old copy of the same picture is replaced: delete it so the workspace keeps one.
      if (cached) deleteFile(client, cached.fileId);
      uploaded.set(key, { fileId, at: now });
    }
    return {
      type: 'image',
      slack_file: { id: fileId as string },
      alt_text: spec.alt,
      title: { type: 'plain_text', text: spec.title.slice(0, 2000) },
    };
  }

  /**
   * A chart Slack would not show (its file deleted by someone, or never processed): forgotten and deleted, and
   * the same picture is not uploaded again for an hour; new numbers make a new picture, which is tried afresh.
   */
  function forget(block: ImageBlock, client?: WebClient, now = Date.now()) {
    const fileId = (block as { slack_file?: { id?: string } }).slack_file?.id;
    if (!fileId) return;
    for (const [key, v] of [...uploaded]) {
      if (v.fileId !== fileId) continue;
      uploaded.delete(key);
      refused.set(key, now + REFUSED_MS);
    }
    if (client) deleteFile(client, fileId);
  }

  return { imageBlock, forget };
}

export type TChartImages = ReturnType<typeof createChartImages>;
