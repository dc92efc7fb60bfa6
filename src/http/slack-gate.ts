import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errorForLog, type TLogger } from '../logger.js';
import type { TSeenRequests } from '../store/seen-requests.js';
import { BodyTooLarge, closeAfterAnswer, readCapped, sendJson } from './server.js';

/**
 * The front door of every `/slack/...` request, before Bolt sees it:
 * - only the routes Slack uses exist (POST /slack/events; with OAuth distribution GET /slack/install and
 *   GET /slack/oauth_redirect): any other path is a 404, another method a 405, and Bolt is never asked;
 * - a request must carry a fresh timestamp (five minutes either way) and a signature header before its body
 *   is read, and its body is read only up to a cap (Slack's own payloads are small);
 * - the signature is checked here (Slack's v0 HMAC scheme), then the request is remembered in the database
 *   for its window, so a replayed request (the same signed bytes) or an event Slack retries (the same
 *   event_id, `X-Slack-Retry-Num`) is answered 200 and not acted on again, on every replica;
 * - nothing Bolt throws escapes: it is logged without the request and answered 404 or 500.
 */

/** Slack's payloads are a few kilobytes; a modal with 100 blocks and its state stays far below this. */
export const SLACK_MAX_BYTES = 512 * 1024;
/** Slack's rule: a request stamped more than five minutes from now (either way) is refused. */
export const SLACK_WINDOW_SEC = 5 * 60;
/** Slack retries an event for about five minutes after the first try; its id is remembered for an hour. */
const EVENT_MEMORY_MS = 60 * 60_000;

export type TSlackGateOptions = {
  /** Bolt's receiver (HTTPReceiver.requestListener). */
  bolt: RequestListener;
  signingSecret: string;
  /** OAuth distribution: /slack/install and /slack/oauth_redirect exist too. */
  oauth: boolean;
  seen: TSeenRequests;
  /**
   * Real time, as Slack stamps requests (default Date.now): freshness and replay windows are about when a
   * request was sent, not the business clock the rest of the bot may be given.
   */
  now?: () => Date;
  logger: TLogger;
  maxBytes?: number;
};

type TRoute = { method: 'GET' | 'POST'; kind: 'events' | 'oauth' };

function routesFor(oauth: boolean): Map<string, TRoute> {
  const routes = new Map<string, TRoute>([['/slack/events', { method: 'POST', kind: 'events' }]]);
  if (oauth) {
    routes.set('/slack/install', { method: 'GET', kind: 'oauth' });
    routes.set('/slack/oauth_redirect', { method: 'GET', kind: 'oauth' });
  }
  return routes;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Answers and drops the rest of the body without reading it (the connection is closed after the answer). */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string, message: string) {
  closeAfterAnswer(req, res);
  sendJson(res, status, { ok: false, error, message });
}

function signatureMatches(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads the body once, as Bolt will: null when Bolt could not (`null`, a number or an array, or a form whose
 * `payload` is not a JSON object: Bolt reads properties of whatever it parses without a check and would throw
 * outside any handler, leaving the request unanswered); else the Events API's event id, when there is one
 * (Slack's retries carry the same id).
 */
function inspectBody(req: IncomingMessage, body: Buffer): { eventId?: string } | null {
  const asObject = (text: string): Record<string, unknown> | null => {
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const text = body.toString('utf8');
  if (header(req, 'content-type') === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).getAll('payload');
    return payload.length === 0 || (payload.length === 1 && asObject(payload[0] ?? '')) ? {} : null;
  }
  const parsed = asObject(text);
  if (!parsed) return null;
  const id = parsed.event_id;
  return parsed.type === 'event_callback' && typeof id === 'string' && id.length <= 200
    ? { eventId: id }
    : {};
}

/** Slack's TLS check: an unsigned form body `ssl_check=1&token=…`, answered 200 and nothing else. */
function isSslCheck(req: IncomingMessage, body: Buffer): boolean {
  if (header(req, 'content-type') !== 'application/x-www-form-urlencoded') return false;
  return new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1';
}

export function createSlackGate(opts: TSlackGateOptions): RequestListener {
  if (!opts.signingSecret) throw new Error('the Slack gate needs the signing secret');
  const routes = routesFor(opts.oauth);
  const maxBytes = opts.maxBytes ?? SLACK_MAX_BYTES;
  const now = opts.now ?? (() => new Date());

  const handOver = (req: IncomingMessage, res: ServerResponse) => {
    try {
      opts.bolt(req, res);
    } catch (error) {
      // Bolt throws for requests it does not route; every route it is given here is one it serves, so this is
      // a defect: logged without the request (the error object carries it), answered 500.
      opts.logger.error({ err: errorForLog(error), path: pathOf(req) }, 'Slack receiver failed');
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal', message: 'internal error' });
      else res.end();
    }
  };

  const events = async (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(header(req, 'content-length') ?? '0');
    if (declared > maxBytes)
      return refuse(req, res, 413, 'payload_too_large', `the body is over ${maxBytes} bytes`);
    const timestamp = header(req, 'x-slack-request-timestamp');
    const signature = header(req, 'x-slack-signature');
    const nowSec = now().getTime() / 1000;
    if (signature === undefined && timestamp === undefined) {
      // Only Slack's TLS check comes unsigned; it is tiny.
      if (declared > 1024) return refuse(req, res, 401, 'unauthorized', 'the request is not signed by Slack');
      let body: Buffer;
      try {
        body = await readCapped(req, 1024);
      } catch {
        return refuse(req, res, 401, 'unauthorized', 'the request is not signed by Slack');
      }
      if (isSslCheck(req, body)) return res.writeHead(200).end();
      return refuse(req, res, 401, 'unauthorized', 'the request is not signed by Slack');
    }
    if (
      !timestamp ||
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(Number(timestamp) - nowSec) > SLACK_WINDOW_SEC ||
      !signature ||
      !/^v0=[0-9a-f]{64}$/.test(signature)
    )
      return refuse(req, res, 401, 'unauthorized', 'the request is not signed by Slack, or is stale');
    let body: Buffer;
    try {
      body = await readCapped(req, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return refuse(req, res, 413, 'payload_too_large', `the body is over ${maxBytes} bytes`);
      throw error;
    }
    if (!signatureMatches(opts.signingSecret, timestamp, body, signature))
      return refuse(req, res, 401, 'unauthorized', 'the request is not signed by Slack, or is stale');

    const inspected = inspectBody(req, body);
    if (!inspected)
      return refuse(
        req,
        res,
        400,
        'bad_request',
        'the body is not a Slack payload (a JSON object or a form)',
      );
    const keys = [
      {
        // The signature covers the timestamp and every byte: the same signature is the same request.
        key: `sig:${createHash('sha256').update(signature).digest('hex')}`,
        expiresAt: new Date((Number(timestamp) + SLACK_WINDOW_SEC + 60) * 1000),
      },
    ];
    const eventId = inspected.eventId;
    if (eventId)
      keys.push({ key: `event:${eventId}`, expiresAt: new Date(now().getTime() + EVENT_MEMORY_MS) });
    let fresh = true;
    try {
      fresh = await opts.seen.claim(keys, now());
    } catch (error) {
      // The database is away: act on the request (its own writes will fail and say so) rather than drop it.
      opts.logger.warn(
        { err: errorForLog(error) },
        'could not record the Slack request; acting on it anyway',
      );
    }
    if (!fresh) {
      const retry = header(req, 'x-slack-retry-num');
      opts.logger.info(
        { retry: retry && /^\d{1,3}$/.test(retry) ? Number(retry) : undefined, event: eventId },
        'repeated Slack request answered without acting again',
      );
      return res.writeHead(200).end();
    }
    // A request that fails on our side (5xx: the store away) was not acted on: forgotten again, so Slack's retry
    // of it is acted on rather than answered as a repeat.
    res.once('finish', () => {
      if (res.statusCode >= 500)
        opts.seen.release(keys.map((k) => k.key)).catch((error: unknown) => {
          opts.logger.warn({ err: errorForLog(error) }, 'could not forget a failed Slack request');
        });
    });
    // Bolt reads the body we kept (a buffered request) and checks the signature once more.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    handOver(req, res);
  };

  return (req, res) => {
    const path = pathOf(req);
    const route = routes.get(path);
    if (!route) return refuse(req, res, 404, 'not_found', 'no such route');
    if (req.method !== route.method) {
      res.setHeader('allow', route.method);
      return refuse(req, res, 405, 'method_not_allowed', `use ${route.method}`);
    }
    if (route.kind === 'oauth') return handOver(req, res);
    events(req, res).catch((error: unknown) => {
      // A client that went away mid-body is not a fault of ours.
      const level = req.destroyed || req.aborted ? 'info' : 'error';
      opts.logger[level]({ err: errorForLog(error), path }, 'Slack request failed');
      if (!res.headersSent) refuse(req, res, 500, 'internal', 'internal error');
      else res.end();
    });
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}
