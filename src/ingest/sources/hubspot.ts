import { z } from 'zod';
import { DEFAULT_LOST_STAGES, DEFAULT_WON_STAGES, type TWorkspaceSettings } from '../../domain/settings.js';
import type { TCanonicalEvent } from '../events.js';
import { clipText, refineStorableText } from '../storable-text.js';

/**
 * HubSpot webhooks: a JSON array (under 100) of thin events. Deals arrive as property changes, contacts'
 * and companies' lifecycle stages drive MQLs, conversions and customers, calls/emails/meetings are activities.
 * The documented example names the type field `eventType`; the SDKs' fixtures `subscriptionType`.
 */
export const ZHubSpotEvent = z
  .object({
    eventId: z.union([z.number().int(), z.string().min(1).max(100)]),
    subscriptionId: z.union([z.number(), z.string()]).optional(),
    portalId: z.union([z.number(), z.string()]).optional(),
    appId: z.union([z.number(), z.string()]).optional(),
    occurredAt: z.number().int().nonnegative(),
    subscriptionType: z.string().min(1).max(100).optional(),
    eventType: z.string().min(1).max(100).optional(),
    objectTypeId: z.string().max(20).optional(),
    attemptNumber: z.number().int().optional(),
    /** Absent on some events (associations, merges): such an event is stored and changes nothing. */
    objectId: z.union([z.number().int(), z.string().min(1).max(100)]).optional(),
    propertyName: z.string().max(200).optional(),
    propertyValue: z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).optional(),
    changeSource: z.string().optional(),
    changeFlag: z.string().optional(),
  })
  .passthrough()
  .refine((e) => e.subscriptionType || e.eventType, {
    message: 'subscriptionType (or eventType) is required',
    path: ['subscriptionType'],
  })
  // The fields that make the inbox row's key and type must be storable text (storable-text.ts); what the event
  // carries into facts is checked as a canonical event, and the rest only rides along in the stored JSON.
  .superRefine((e, ctx) => {
    const { eventId, subscriptionType, eventType, objectTypeId, objectId, propertyName } = e;
    refineStorableText({ eventId, subscriptionType, eventType, objectTypeId, objectId, propertyName }, ctx);
  });
export type THubSpotEvent = z.infer<typeof ZHubSpotEvent>;
export const ZHubSpotBody = z.array(ZHubSpotEvent).min(1).max(1000);

/** objectTypeId of HubSpot's standard objects (generic "object.*" subscriptions). */
const OBJECT_TYPES: Record<string, string> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
  '0-47': 'meeting',
  '0-48': 'call',
  '0-49': 'email',
};

export function hubspotTypeOf(e: THubSpotEvent): { object: string; action: string } {
  const [object = '', action = ''] = (e.subscriptionType ?? e.eventType ?? '').split('.');
  return { object: object === 'object' ? (OBJECT_TYPES[e.objectTypeId ?? ''] ?? 'unknown') : object, action };
}

/** The dedupe key: HubSpot's eventId is "not guaranteed to be unique", so the object and time join it. */
export function hubspotEventKey(e: THubSpotEvent): string {
  const { object, action } = hubspotTypeOf(e);
  return `${object}.${action}:${e.objectId}:${e.propertyName ?? ''}:${e.eventId}:${e.occurredAt}`;
}

const str = (v: THubSpotEvent['propertyValue']) => (v === null || v === undefined ? '' : String(v).trim());

/** HubSpot sends dates as epoch milliseconds (as text) or ISO strings. */
function hsTime(v: string): string | number | undefined {
  if (/^\d{10,}$/.test(v)) return Number(v);
  return /^\d{4}-\d{2}-\d{2}/.test(v) ? v : undefined;
}

export function translateHubSpot(e: THubSpotEvent, settings: TWorkspaceSettings): TCanonicalEvent[] {
  const { object, action } = hubspotTypeOf(e);
  if (e.objectId === undefined) return [];
  const id = String(e.objectId);
  const occurredAt = e.occurredAt;
  const value = str(e.propertyValue);
  const prop = e.propertyName ?? '';
  if (object === 'deal') {
    if (action === 'creation')
      return [{ type: 'deal.upserted', dealId: id, occurredAt, openedAt: occurredAt }];
    if (action === 'deletion') return [{ type: 'deal.deleted', dealId: id, occurredAt }];
    if (action !== 'propertyChange') return [];
    const won = settings.wonStages ?? DEFAULT_WON_STAGES;
    const lost = settings.lostStages ?? DEFAULT_LOST_STAGES;
    const deal = (
      fields: Partial<Extract<TCanonicalEvent, { type: 'deal.upserted' }>>,
    ): TCanonicalEvent[] => [{ type: 'deal.upserted', dealId: id, occurredAt, ...fields }];
    switch (prop) {
      case 'dealstage':
        if (!value) return [];
        return deal({
          stage: value,
          status: won.includes(value) ? 'won' : lost.includes(value) ? 'lost' : 'open',
        });
      case 'amount':
        return /^\d+(\.\d+)?$/.test(value)
          ? deal({ amount: value })
          : value === ''
            ? deal({ amount: 0 })
            : [];
      case 'deal_currency_code':
        return /^[A-Za-z]{3}$/.test(value) ? deal({ currency: value.toUpperCase() }) : [];
      case 'hubspot_owner_id':
        return value ? deal({ owner: { id: value } }) : [];
      case 'dealname':
        return deal({ title: clipText(value, 500) });
      case 'pipeline':
        return deal({ pipeline: value || null });
      case 'createdate': {
        const t = hsTime(value);
        return t === undefined ? [] : deal({ openedAt: t });
      }
      case 'closedate': {
        const t = hsTime(value);
        return t === undefined ? [] : deal({ closedAt: t });
      }
      case 'closed_lost_reason':
        return deal({ lostReason: value || null });
      default:
        return [];
    }
  }
  if (object === 'contact' && action === 'propertyChange') {
    if (prop === 'hubspot_owner_id' && value)
      return [{ type: 'lead.upserted', leadId: id, occurredAt, owner: { id: value } }];
    if (prop !== 'lifecyclestage') return [];
    if (value === 'marketingqualifiedlead') return [{ type: 'lead.qualified', leadId: id, occurredAt }];
    if (value === 'customer') return [{ type: 'lead.converted', leadId: id, occurredAt }];
    return [];
  }
  if (object === 'company' && action === 'propertyChange' && prop === 'lifecyclestage') {
    if (value === 'customer')
      return [{ type: 'customer.won', customerId: id, occurredAt, wonAt: occurredAt }];
    if ((settings.churnLifecycleStages ?? []).includes(value))
      return [{ type: 'customer.churned', customerId: id, occurredAt }];
    return [];
  }
  if (object === 'call' || object === 'email' || object === 'meeting') {
    if (action === 'creation') return [{ type: 'activity.logged', activityId: id, occurredAt, kind: object }];
    if (action === 'deletion') return [{ type: 'activity.deleted', activityId: id, occurredAt }];
    if (action === 'propertyChange' && prop === 'hubspot_owner_id' && value)
      return [{ type: 'activity.logged', activityId: id, occurredAt, owner: { id: value } }];
    if (action === 'propertyChange' && prop === 'hs_timestamp') {
      const t = hsTime(value);
      return t === undefined ? [] : [{ type: 'activity.logged', activityId: id, occurredAt, at: t }];
    }
    if (action === 'propertyChange' && prop === 'hs_call_recording_url' && /^https?:\/\//.test(value))
      return [{ type: 'activity.logged', activityId: id, occurredAt, recordingUrl: value }];
  }
  return [];
}
