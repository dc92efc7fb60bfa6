import { z } from 'zod';
import type { TCanonicalEvent } from '../events.js';
import { clipText, refineStorableText } from '../storable-text.js';

/**
 * Pipedrive webhooks, v2 (`meta.version` "2.0": data / previous / meta with action create|change|delete)
 * and v1 (`v: 1`: current / previous / meta with action added|updated|merged|deleted). Deals carry their
 * whole state; activities count once done.
 */
const ZId = z.union([z.number().int(), z.string().min(1).max(100)]);
const ZTime = z.string().max(40).nullable().optional();

const ZDeal = z
  .object({
    id: ZId,
    title: z.string().max(1000).nullable().optional(),
    value: z
      .union([z.number().nonnegative(), z.string().max(40)])
      .nullable()
      .optional(),
    currency: z.string().max(10).nullable().optional(),
    status: z.enum(['open', 'won', 'lost', 'deleted']).optional(),
    stage_id: ZId.nullable().optional(),
    pipeline_id: ZId.nullable().optional(),
    owner_id: ZId.nullable().optional(),
    user_id: z
      .union([ZId, z.object({ id: ZId }).passthrough()])
      .nullable()
      .optional(),
    add_time: ZTime,
    won_time: ZTime,
    lost_time: ZTime,
    close_time: ZTime,
    lost_reason: z.string().max(1000).nullable().optional(),
    org_id: z.unknown().optional(),
  })
  .passthrough();

const ZActivity = z
  .object({
    id: ZId,
    type: z.string().max(100).nullable().optional(),
    subject: z.string().max(1000).nullable().optional(),
    owner_id: ZId.nullable().optional(),
    user_id: ZId.nullable().optional(),
    done: z
      .union([z.boolean(), z.literal(0), z.literal(1)])
      .nullable()
      .optional(),
    due_date: z.string().max(20).nullable().optional(),
    due_time: z.unknown().optional(),
    marked_as_done_time: ZTime,
    deal_id: ZId.nullable().optional(),
  })
  .passthrough();

/**
 * The meta fields that make the inbox row's key and type must be storable text (storable-text.ts); the object's
 * fields carried into facts are checked as a canonical event, and the rest only rides along in the stored JSON.
 */
function refineKeyFields(
  meta: { id: unknown; entity?: unknown; object?: unknown; action: unknown },
  ctx: z.RefinementCtx,
) {
  const { id, entity, object, action } = meta;
  refineStorableText({ id, entity, object, action }, ctx);
}

export const ZPipedriveV2 = z
  .object({
    meta: z
      .object({
        action: z.enum(['create', 'change', 'delete']),
        entity: z.string().min(1).max(50),
        entity_id: ZId,
        id: z.string().min(1).max(100),
        timestamp: z.union([z.string().max(40), z.number()]),
        version: z.literal('2.0'),
        attempt: z.number().int().optional(),
      })
      .passthrough()
      .superRefine(refineKeyFields),
    data: z.record(z.string(), z.unknown()).nullable(),
    previous: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();

export const ZPipedriveV1 = z
  .object({
    v: z.literal(1).optional(),
    meta: z
      .object({
        action: z.enum(['added', 'updated', 'merged', 'deleted']),
        object: z.string().min(1).max(50),
        id: ZId,
        timestamp: z.number().int().optional(),
        timestamp_micro: z.number().int().optional(),
        v: z.literal(1).optional(),
      })
      .passthrough()
      .superRefine(refineKeyFields),
    current: z.record(z.string(), z.unknown()).nullable().optional(),
    previous: z.record(z.string(), z.unknown()).nullable().optional(),
    event: z.string().max(100).optional(),
  })
  .passthrough();

export type TPipedriveBody = z.infer<typeof ZPipedriveV2> | z.infer<typeof ZPipedriveV1>;

/** Validates either version; the error names the field of the version the body claims to be. */
export function parsePipedrive(body: unknown) {
  const claimsV1 =
    typeof body === 'object' && body !== null && ('current' in body || (body as { v?: unknown }).v === 1);
  return claimsV1 ? ZPipedriveV1.safeParse(body) : ZPipedriveV2.safeParse(body);
}

export function pipedriveEventKey(b: TPipedriveBody): string | null {
  if ('current' in b || !('version' in b.meta)) {
    const m = (b as z.infer<typeof ZPipedriveV1>).meta;
    const at = m.timestamp_micro ?? m.timestamp;
    // Without a timestamp the content is the key (a redelivery is identical; a later change is not).
    return at === undefined ? null : `v1:${m.object}:${m.id}:${m.action}:${at}`;
  }
  return `v2:${(b as z.infer<typeof ZPipedriveV2>).meta.id}`;
}

/** Pipedrive's "2022-11-24 13:18:55" (v1) is UTC; v2 sends ISO with Z. */
function pdTime(v: string | null | undefined): string | undefined {
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(t)) return `${t.replace(' ', 'T')}Z`;
  return /^\d{4}-\d{2}-\d{2}/.test(t) ? t : undefined;
}
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
const idOf = (v: unknown): string | undefined => {
  if (v && typeof v === 'object' && 'id' in v) return idOf((v as { id: unknown }).id);
  return typeof v === 'number' || (typeof v === 'string' && v) ? String(v) : undefined;
};

const KINDS: Record<string, 'call' | 'email' | 'meeting'> = {
  call: 'call',
  email: 'email',
  meeting: 'meeting',
};

function dealEvent(raw: Record<string, unknown>, occurredAt: string | number | undefined): TCanonicalEvent[] {
  const d = ZDeal.parse(raw);
  const owner = idOf(d.owner_id) ?? idOf(d.user_id);
  if (d.status === 'deleted') return [{ type: 'deal.deleted', dealId: String(d.id), occurredAt }];
  const value = typeof d.value === 'string' ? (/^\d+(\.\d+)?$/.test(d.value) ? d.value : undefined) : d.value;
  const closed =
    d.status === 'won' ? pdTime(d.won_time) : d.status === 'lost' ? pdTime(d.lost_time) : undefined;
  return [
    {
      type: 'deal.upserted',
      dealId: String(d.id),
      occurredAt,
      ...(owner ? { owner: { id: owner } } : {}),
      ...(d.title !== undefined && d.title !== null ? { title: clipText(d.title, 500) } : {}),
      ...(value !== undefined && value !== null ? { amount: value } : {}),
      ...(d.currency && /^[A-Za-z]{3}$/.test(d.currency) ? { currency: d.currency.toUpperCase() } : {}),
      ...(d.stage_id !== undefined && d.stage_id !== null ? { stage: String(d.stage_id) } : {}),
      ...(d.pipeline_id !== undefined && d.pipeline_id !== null ? { pipeline: String(d.pipeline_id) } : {}),
      ...(d.status ? { status: d.status } : {}),
      ...(pdTime(d.add_time) ? { openedAt: pdTime(d.add_time) } : {}),
      ...(d.status === 'open' ? { closedAt: null } : closed ? { closedAt: closed } : {}),
      ...(d.status === 'lost' ? { lostReason: d.lost_reason ?? null } : {}),
    },
  ];
}

function activityEvent(
  raw: Record<string, unknown>,
  occurredAt: string | number | undefined,
): TCanonicalEvent[] {
  const a = ZActivity.parse(raw);
  const id = String(a.id);
  // Only done activities count as outreach; one marked undone stops counting.
  if (!a.done) return [{ type: 'activity.deleted', activityId: id, occurredAt }];
  const owner = idOf(a.owner_id) ?? idOf(a.user_id);
  const dueTime =
    typeof a.due_time === 'string'
      ? a.due_time
      : a.due_time && typeof a.due_time === 'object' && 'value' in a.due_time
        ? String((a.due_time as { value: unknown }).value ?? '')
        : '';
  const at =
    pdTime(a.marked_as_done_time) ??
    (a.due_date ? pdTime(dueTime ? `${a.due_date} ${dueTime.slice(0, 5)}` : a.due_date) : undefined);
  return [
    {
      type: 'activity.logged',
      activityId: id,
      occurredAt,
      kind: KINDS[(a.type ?? '').toLowerCase()] ?? 'other',
      ...(owner ? { owner: { id: owner } } : {}),
      ...(at ? { at } : {}),
      ...(a.subject ? { subject: clipText(a.subject, 500) } : {}),
      ...(a.deal_id !== undefined && a.deal_id !== null ? { dealId: String(a.deal_id) } : {}),
    },
  ];
}

export function translatePipedrive(body: TPipedriveBody): TCanonicalEvent[] {
  let entity: string;
  let action: 'create' | 'change' | 'delete';
  let data: Record<string, unknown> | null | undefined;
  let entityId: string;
  let occurredAt: string | number | undefined;
  if ('version' in body.meta && body.meta.version === '2.0') {
    const b = body as z.infer<typeof ZPipedriveV2>;
    entity = b.meta.entity;
    action = b.meta.action;
    data = b.data;
    entityId = String(b.meta.entity_id);
    occurredAt =
      typeof b.meta.timestamp === 'number'
        ? b.meta.timestamp * (b.meta.timestamp < 1e11 ? 1000 : 1)
        : b.meta.timestamp;
  } else {
    const b = body as z.infer<typeof ZPipedriveV1>;
    entity = b.meta.object;
    action = b.meta.action === 'added' ? 'create' : b.meta.action === 'deleted' ? 'delete' : 'change';
    data = b.current;
    entityId = String(b.meta.id);
    const micro = num(b.meta.timestamp_micro);
    const secs = num(b.meta.timestamp);
    occurredAt = micro ? Math.floor(micro / 1000) : secs ? secs * 1000 : undefined;
  }
  // Without a usable time, the event counts as of when it was received.
  if (typeof occurredAt === 'string' && !/^\d{4}-\d{2}-\d{2}/.test(occurredAt)) occurredAt = undefined;
  if (entity === 'deal') {
    if (action === 'delete' || !data) return [{ type: 'deal.deleted', dealId: entityId, occurredAt }];
    return dealEvent(data, occurredAt);
  }
  if (entity === 'activity') {
    if (action === 'delete' || !data) return [{ type: 'activity.deleted', activityId: entityId, occurredAt }];
    return activityEvent(data, occurredAt);
  }
  return [];
}
