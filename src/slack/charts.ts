import { createHash } from 'node:crypto';
import type { ImageBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { renderChart } from '../charts/render.js';
import type { TChartSpec } from '../charts/spec.js';
import type { TLogger } from '../logger.js';

/** How long an uploaded chart is reused for the same picture (same data, same workspace). */
const REUSE_MS = 24 * 60 * 60 * 1000;
const MAX_CACHED = 1000;

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
  const uploaded = new Map<string, { fileId: string; at: number }>();

  async function imageBlock(
    client: WebClient,
    teamId: string,
    spec: TChartSpec,
    now = Date.now(),
  ): Promise<ImageBlock | undefined> {
    const key = `${teamId}:${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`;
    let fileId = uploaded.get(key)?.fileId;
    if (!fileId || now - (uploaded.get(key)?.at ?? 0) > REUSE_MS) {
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
      uploaded.delete(key);
      uploaded.set(key, { fileId, at: now });
      if (uploaded.size > MAX_CACHED) uploaded.delete(uploaded.keys().next().value as string);
    }
    return {
      type: 'image',
      slack_file: { id: fileId },
      alt_text: spec.alt,
      title: { type: 'plain_text', text: spec.title.slice(0, 2000) },
    };
  }

  /** Forgets a chart Slack no longer accepts (its file deleted by someone), so the next reply uploads it again. */
  function forget(block: ImageBlock) {
    const fileId = (block as { slack_file?: { id?: string } }).slack_file?.id;
    for (const [key, v] of uploaded) if (v.fileId === fileId) uploaded.delete(key);
  }

  return { imageBlock, forget };
}

export type TChartImages = ReturnType<typeof createChartImages>;
