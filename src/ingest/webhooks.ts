import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZodError, type z } from 'zod';
import { BoundedMap } from '../bounded-map.js';
import type { TClock } from '../clock.js';
import { AppError, HTTP_STATUS, isAppError } from '../errors.js';
import type { TRoute } from '../http/server.js';
import { BodyTooLarge, closeAfterAnswer, readCapped, sendJson } from '../http/server.js';
import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
import {
  checkBasicAuth,
  checkGeneric,
  checkGenericHeaders,
  checkHubSpot,
  checkHubSpotHeaders,
} from './auth.js';
import { describeZodError, ZCanonicalEvent } from './events.js';
import { createInboxBatcher, type TInboxBatcher, type TInboxItem } from './inbox.js';
import { checkAtReceipt } from './receipt-checks.js';
import { hubspotEventKey, hubspotTypeOf, translateHubSpot, ZHubSpotBody } from './sources/hubspot.js';
import { parsePipedrive, pipedriveEventKey, translatePipedrive } from './sources/pipedrive.js';
import { checkWorkspaceWebhookKey, WEBHOOK_PATHS } from './webhook-keys.js';

/**
 * The webhook endpoints. Each request is authenticated, parsed and validated, then stored in the inbox, and
 * only then answered 2xx; the inbox worker applies it. 401 bad or missing auth (nothing stored), 400 malformed
 * JSON or schema error naming the field, 413 too large, 429 over the rate limit. An endpoint whose secret is
 * not configured answers 404: it does not exist.
 */

export type TWebhookSecrets = {
  hubspotClientSecret?: string | undefined;
  hubspotLegacyVersions?: ('v1' | 'v2')[];
  pipedriveUser?: string | undefined;
  pipedrivePassword?: string | undefined;
  genericSecret?: string | undefined;
  /** The public base URL (e.g. https://kpi.example.com) HubSpot signs requests against. */
  publicUrl?: string | undefined;
};

export type TWebhookDeps = {
  db: TDb;
  secrets: TWebhookSecrets;
  logger: TLogger;
  clock: TClock;
  /** The workspace events go to: `?workspace=<Slack team id>`, else the default (the one installed). */
  resolveWorkspace(teamId: string | null): Promise<string | null>;
  /**
   * Many workspaces on one server (OAuth distribution): each request names its workspace and carries that
   * workspace's key (`?workspace=T…&key=…`), so holding a source's secret is not enough to write into another
   * workspace.
   */
  workspaceKeySecret?: Buffer | undefined;
  /** Where events are stored (shared with the worker, which steps aside while it is busy). */
  inbox?: TInboxBatcher;
  /** Called after events are stored (wakes the inbox worker). */
  onStored?: () => void;
  maxBytes?: number;
  /** Requests per second per source (token bucket, burst of 5 s worth). */
  ratePerSecond?: number;
};

export const DEFAULT_MAX_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  try {
    return await readCapped(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      throw new AppError('payload_too_large', `the body is over ${maxBytes} bytes`);
    throw error;
  }
}

function tokenBucket(ratePerSecond: number, now: () => number) {
  const burst = ratePerSecond * 5;
  let tokens = burst;
  let last = now();
  return () => {
    const t = now();
    // A clock that steps back earns nothing (and takes nothing away).
    tokens = Math.min(burst, tokens + (Math.max(0, t - last) / 1000) * ratePerSecond);
    last = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** How deeply JSON may nest: far beyond any CRM payload, well below what the stack can take. */
const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in a JSON text (strings skipped). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

function parseJson(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw new AppError('bad_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('bad_request', `the body is not valid JSON (${(error as Error).message})`);
  }
}

function schemaError(error: z.ZodError, prefix = ''): AppError {
  return new AppError('bad_request', describeZodError(error, prefix));
}

type TSourceSpec = {
  source: string;
  path: string;
  configured: (s: TWebhookSecrets) => boolean;
  /** What can be refused before the body is read (missing or stale headers, wrong basic auth). */
  preflight: (req: IncomingMessage, deps: TWebhookDeps) => string | null;
  authenticate: (req: IncomingMessage, body: string, deps: TWebhookDeps) => string | null;
  /** Validates the body into inbox items (without the workspace), or throws a 400 AppError. */
  items: (body: unknown) => Omit<TInboxItem, 'workspaceId'>[];
};

/** Runs a source's translation at receipt: anything it cannot read, or any event it makes that is invalid, is a 400. */
function checkTranslation(run: () => unknown[], prefix: string): void {
  let events: unknown[];
  try {
    events = run();
  } catch (error) {
    if (error instanceof ZodError) throw schemaError(error, prefix);
    throw new AppError('bad_request', `${prefix}: ${(error as Error).message}`);
  }
  for (const ev of events) {
    const checked = ZCanonicalEvent.safeParse(ev);
    if (!checked.success) throw schemaError(checked.error, prefix);
  }
}

function requestUris(req: IncomingMessage, publicUrl?: string): string[] {
  const path = req.url ?? '/';
  const uris: string[] = [];
  if (publicUrl) uris.push(`${publicUrl.replace(/\/+$/, '')}${path}`);
  const host = req.headers['x-forwarded-host'] ?? req.headers.host;
  if (host) {
    const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      ?.trim();
    const protos = forwarded ? [forwarded] : ['https', 'http'];
    for (const p of protos) uris.push(`${p}://${host}${path}`);
  }
  return uris;
}

const SOURCES: TSourceSpec[] = [
  {
    source: 'hubspot',
    path: WEBHOOK_PATHS.hubspot,
    configured: (s) => Boolean(s.hubspotClientSecret),
    preflight: (req, deps) => checkHubSpotHeaders(req.headers, deps.clock.now().getTime()),
    authenticate: (req, body, deps) =>
      checkHubSpot({
        secret: deps.secrets.hubspotClientSecret ?? '',
        legacy: deps.secrets.hubspotLegacyVersions ?? [],
        method: req.method ?? 'POST',
        uris: requestUris(req, deps.secrets.publicUrl),
        body,
        headers: req.headers,
        now: deps.clock.now().getTime(),
      }),
    items: (body) => {
      const parsed = ZHubSpotBody.safeParse(body);
      if (!parsed.success) throw schemaError(parsed.error);
      parsed.data.forEach((e, i) => {
        checkTranslation(() => translateHubSpot(e, {}), `[${i}]`);
      });
      return parsed.data.map((e) => {
        const { object, action } = hubspotTypeOf(e);
        return {
          source: 'hubspot',
          eventId: hubspotEventKey(e),
          eventType: `${object}.${action}`,
          payload: e,
        };
      });
    },
  },
  {
    source: 'pipedrive',
    path: WEBHOOK_PATHS.pipedrive,
    configured: (s) => Boolean(s.pipedriveUser && s.pipedrivePassword),
    preflight: (req, deps) =>
      checkBasicAuth(req.headers, deps.secrets.pipedriveUser ?? '', deps.secrets.pipedrivePassword ?? ''),
    // Basic auth covers no body: the preflight checked it before the body was read.
    authenticate: () => null,
    items: (body) => {
      const parsed = parsePipedrive(body);
      if (!parsed.success) throw schemaError(parsed.error);
      const b = parsed.data;
      // The object itself is read when applied; check now that it will read, so bad data is a 400, not a retry.
      checkTranslation(() => translatePipedrive(b), 'data');
      const meta = b.meta as { entity?: string; object?: string; action: string };
      return [
        {
          source: 'pipedrive',
          eventId: pipedriveEventKey(b),
          eventType: `${meta.entity ?? meta.object}.${meta.action}`,
          payload: b,
        },
      ];
    },
  },
  {
    source: 'generic',
    path: WEBHOOK_PATHS.generic,
    configured: (s) => Boolean(s.genericSecret),
    preflight: (req, deps) => checkGenericHeaders(req.headers, deps.clock.now().getTime()),
    authenticate: (req, body, deps) =>
      checkGeneric(deps.secrets.genericSecret ?? '', req.headers, body, deps.clock.now().getTime()),
    items: (body) => {
      const batch = Array.isArray(body)
        ? { list: body, prefix: 'events' }
        : body && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events)
          ? { list: (body as { events: unknown[] }).events, prefix: 'events' }
          : { list: [body], prefix: '' };
      if (batch.list.length === 0) throw new AppError('bad_request', 'events: the batch is empty');
      if (batch.list.length > 1000)
        throw new AppError('bad_request', 'events: at most 1000 events per request');
      return batch.list.map((raw, i) => {
        const parsed = ZCanonicalEvent.safeParse(raw);
        if (!parsed.success) throw schemaError(parsed.error, batch.prefix ? `${batch.prefix}[${i}]` : '');
        if (parsed.data.type === 'rep.upserted' && parsed.data.role !== undefined) {
          const at = batch.prefix ? `${batch.prefix}[${i}].role` : 'role';
          throw new AppError(
            'bad_request',
            `${at}: roles are not set through webhooks (an integration key grants no rights in Slack); leave it out. KPI Bot admins are the Slack workspace's admins and owners, the Slack users in the workspace setting admins, and people given the role by the operator's kpi import reps file.`,
          );
        }
        return {
          source: 'generic',
          eventId: parsed.data.id ?? null,
          eventType: parsed.data.type,
          payload: raw,
          // What translate() would give for it (the same schema, parsed once): the receipt checks use it.
          events: [parsed.data],
        };
      });
    },
  },
];

/** The webhook routes for the HTTP server. */
export function webhookRoutes(deps: TWebhookDeps): TRoute[] {
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
  // Requests arriving together are committed together (each still answered only after its commit).
  const inbox = deps.inbox ?? createInboxBatcher(deps.db);
  return SOURCES.map((spec) => {
    // One allowance per workspace (with OAuth distribution one customer cannot use up another's).
    const buckets = new BoundedMap<string, () => boolean>(10_000);
    const allow = (workspace: string) => {
      let bucket = buckets.get(workspace);
      if (!bucket) {
        bucket = tokenBucket(deps.ratePerSecond ?? 1000, () => deps.clock.now().getTime());
        buckets.set(workspace, bucket);
      }
      return bucket();
    };
    return {
      method: 'POST' as const,
      path: spec.path,
      handler: async (req: IncomingMessage, res: ServerResponse) => {
        try {
          if (!spec.configured(deps.secrets)) {
            throw new AppError('not_found', `no route ${spec.path} (its secret is not configured)`);
          }
          // Refused before the body is read: nobody without the headers makes the bot buffer a megabyte.
          const early = spec.preflight(req, deps);
          if (early) {
            deps.logger.warn({ source: spec.source, reason: early }, 'webhook refused');
            throw new AppError('unauthorized', early);
          }
          const raw = (await readBody(req, maxBytes)).toString('utf8');
          const reason = spec.authenticate(req, raw, deps);
          if (reason) {
            deps.logger.warn({ source: spec.source, reason }, 'webhook refused');
            throw new AppError('unauthorized', reason);
          }
          const url = new URL(req.url ?? '/', 'http://x');
          const named = url.searchParams.get('workspace');
          if (deps.workspaceKeySecret) {
            if (!named)
              throw new AppError(
                'bad_request',
                'workspace: name the Slack workspace, e.g. ?workspace=T0123ABCD&key=… (see /kpi settings webhooks)',
              );
            const key = url.searchParams.get('key');
            if (!key)
              throw new AppError(
                'unauthorized',
                'key: the workspace key is missing (see /kpi settings webhooks)',
              );
            if (!checkWorkspaceWebhookKey(deps.workspaceKeySecret, named, key)) {
              deps.logger.warn(
                { source: spec.source, workspace: named.slice(0, 40) },
                'webhook refused: wrong workspace key',
              );
              throw new AppError('unauthorized', 'key: not the key of this workspace');
            }
          }
          // Counted after authentication (and the workspace's key), so nobody without them can use up the
          // sender's allowance.
          if (!allow(named ?? '')) {
            res.setHeader('retry-after', '1');
            throw new AppError('rate_limited', `too many ${spec.source} requests; retry shortly`);
          }
          const items = spec.items(parseJson(raw));
          const workspaceId = await deps.resolveWorkspace(named);
          if (!workspaceId && !named)
            throw new AppError(
              'bad_request',
              'workspace: name the Slack workspace, e.g. ?workspace=T0123ABCD',
            );
          if (!workspaceId) throw new AppError('not_found', 'workspace: no such workspace is installed');
          // What needs the workspace or the clock: amounts in the currency they will be stored in, dates no
          // more than 100 years ahead.
          // Stored (and so applied) in the order the events happened, ties in request order.
          const ordered = await checkAtReceipt(deps.db, workspaceId, items, deps.clock.now());
          let stored: number;
          try {
            stored = await inbox.store(
              ordered.map((i) => ({ ...i, workspaceId })),
              deps.clock.now(),
            );
          } catch (error) {
            // Not acknowledged: the sender retries later, and nothing is lost.
            deps.logger.error({ err: error, source: spec.source }, 'could not store webhook events');
            throw new AppError('store_unavailable', 'the events could not be stored; retry later');
          }
          deps.onStored?.();
          sendJson(res, 200, { ok: true, received: items.length, new: stored });
        } catch (error) {
          if (!isAppError(error)) throw error;
          // A body left unread (refused early, too large) or a sender to slow down: the connection is closed.
          if (!req.complete || error.code === 'payload_too_large' || error.code === 'rate_limited')
            res.setHeader('connection', 'close');
          sendJson(res, HTTP_STATUS[error.code], { ok: false, error: error.code, message: error.message });
          closeAfterAnswer(req, res);
        }
      },
    };
  });
}
