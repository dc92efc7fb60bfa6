import { genericSignature, hubspotSignatureV3 } from '../../src/ingest/auth.js';

export const HUBSPOT_SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
export const PIPEDRIVE_USER = 'kpibot';
export const PIPEDRIVE_PASSWORD = 'pipedrive-pass-123';
export const GENERIC_SECRET = 'f3a9c1d27b5e4f60a8c9d0e1f2a3b4c5';

export const WEBHOOK_ENV = {
  HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
  PIPEDRIVE_WEBHOOK_USER: PIPEDRIVE_USER,
  PIPEDRIVE_WEBHOOK_PASSWORD: PIPEDRIVE_PASSWORD,
  KPI_WEBHOOK_SECRET: GENERIC_SECRET,
};

export type TPost = { status: number; body: { ok: boolean; error?: string; message?: string; new?: number } };

async function post(url: string, body: string, headers: Record<string, string>): Promise<TPost> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** POSTs to /webhooks/hubspot signed with v3 as HubSpot does (URI as seen through the Host header). */
export function postHubSpot(
  baseUrl: string,
  body: string,
  opts: { secret?: string; timestamp?: number; query?: string; sign?: boolean } = {},
) {
  const path = `/webhooks/hubspot${opts.query ?? ''}`;
  const ts = String(opts.timestamp ?? Date.now());
  const sig = hubspotSignatureV3(opts.secret ?? HUBSPOT_SECRET, 'POST', `${baseUrl}${path}`, body, ts);
  const headers: Record<string, string> =
    opts.sign === false ? {} : { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts };
  return post(`${baseUrl}${path}`, body, headers);
}

export function postPipedrive(
  baseUrl: string,
  body: string,
  auth = `${PIPEDRIVE_USER}:${PIPEDRIVE_PASSWORD}`,
  query = '',
) {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` }
    : {};
  return post(`${baseUrl}/webhooks/pipedrive${query}`, body, headers);
}

export function postEvents(
  baseUrl: string,
  body: string,
  opts: { secret?: string; timestamp?: number; sign?: boolean; query?: string } = {},
) {
  const ts = String(Math.floor((opts.timestamp ?? Date.now()) / 1000));
  const headers: Record<string, string> =
    opts.sign === false
      ? {}
      : {
          'x-kpi-timestamp': ts,
          'x-kpi-signature': genericSignature(opts.secret ?? GENERIC_SECRET, ts, body),
        };
  return post(`${baseUrl}/webhooks/events${opts.query ?? ''}`, body, headers);
}

/** HubSpot's documented example (Webhooks API, "Webhook payloads"). */
export const HUBSPOT_DOCS_EXAMPLE = [
  {
    objectId: 1246965,
    propertyName: 'lifecyclestage',
    propertyValue: 'subscriber',
    changeSource: 'ACADEMY',
    eventId: 3816279340,
    subscriptionId: 25,
    portalId: 33,
    appId: 1160452,
    occurredAt: 1462216307945,
    eventType: 'contact.propertyChange',
    attemptNumber: 0,
  },
  {
    objectId: 1246978,
    changeSource: 'IMPORT',
    eventId: 3816279480,
    subscriptionId: 22,
    portalId: 33,
    appId: 1160452,
    occurredAt: 1462216307945,
    eventType: 'contact.creation',
    attemptNumber: 0,
  },
];

/** Pipedrive's documented "Update deal" example (Webhooks v2 migration guide), custom fields trimmed. */
export const PIPEDRIVE_UPDATE_DEAL = {
  data: {
    add_time: '2022-11-24T13:18:55Z',
    channel: null,
    channel_id: null,
    close_time: null,
    creator_user_id: 12415231,
    currency: 'EUR',
    custom_fields: {},
    expected_close_date: null,
    first_won_time: null,
    id: 8,
    label_ids: [24, 25],
    lost_reason: null,
    lost_time: null,
    org_id: 1,
    origin: 'ManuallyCreated',
    origin_id: null,
    owner_id: 12415231,
    person_id: 8,
    pipeline_id: 1,
    probability: null,
    stage_change_time: null,
    stage_id: 2,
    status: 'open',
    title: 'Sample Org deal',
    update_time: '2022-11-24T15:11:55Z',
    value: 100,
    visible_to: '3',
    won_time: null,
  },
  previous: { custom_fields: { '3d0fa3429dfa2d3dec265b4fc5dc8258ab66cdf3': null } },
  meta: {
    action: 'change',
    company_id: '8087566',
    correlation_id: '121e5331-7ec6-4af8-9994-0e52fb489044',
    entity_id: '8',
    entity: 'deal',
    id: 'df47d877-b58c-4886-91cd-1aa83e1d7366',
    is_bulk_edit: false,
    timestamp: '2022-11-24T15:11:55.724Z',
    type: 'general',
    user_id: '12415231',
    version: '2.0',
    webhook_id: '4710827',
    webhook_owner_id: '12094821',
    change_source: 'app',
    attempt: 1,
    host: 'pd-us.pipedrive.com',
  },
};

/** Pipedrive's documented "Update activity" example (Webhooks v2 migration guide). */
export const PIPEDRIVE_UPDATE_ACTIVITY = {
  data: {
    active_flag: true,
    add_time: '2022-11-24T15:25:44Z',
    busy_flag: null,
    custom_fields: {},
    deal_id: 10,
    done: false,
    due_date: '2022-11-24',
    due_time: { timezone_id: null, value: '' },
    duration: { timezone_id: null, value: '' },
    id: 2,
    lead_id: null,
    location: null,
    org_id: null,
    owner_id: 12415231,
    person_id: 10,
    public_description: '',
    subject: 'Call with friends and family',
    type: 'meeting',
    update_time: '2022-11-24T15:28:13Z',
    update_user_id: null,
  },
  previous: { subject: 'Call with friends', update_time: '2022-11-24T15:26:57Z' },
  meta: {
    action: 'change',
    company_id: '8087566',
    correlation_id: '030c898c-3b97-48b7-983b-054681d07f9a',
    entity_id: '2',
    entity: 'activity',
    id: '7a40ac1f-debd-4d22-b8d6-d9a687a96ec4',
    is_bulk_edit: false,
    timestamp: '2022-11-24T15:28:13.375Z',
    type: 'general',
    user_id: '12415231',
    version: '2.0',
    webhook_id: '4710827',
    webhook_owner_id: '12094821',
    change_source: 'app',
    attempt: 1,
    host: 'pd-us.pipedrive.com',
  },
};
