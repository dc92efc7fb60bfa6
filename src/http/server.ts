import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { errorForLog, type TLogger } from '../logger.js';
import type { TMetrics } from './metrics.js';

export type TRoute = {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Limits fit for a bot that Slack, CRMs and a load balancer talk to (all overridable for tests). */
export const HTTP_LIMITS = {
  /** Headers must arrive within this time. */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: 30_000,
  /** An idle kept-alive connection is closed after this time. */
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic at all is closed after this time. */
  idleSocketTimeoutMs: 60_000,
  /** Connections beyond this are closed at once (KPI_HTTP_MAX_CONNECTIONS). */
  maxConnections: 256,
  /** How often those time-outs are checked (Node checks every 30 s by default, which triples them). */
  connectionsCheckingIntervalMs: 1_000,
  /** Header count and size caps. */
  maxHeadersCount: 100,
  maxHeaderSize: 16 * 1024,
};

export type THttpLimits = typeof HTTP_LIMITS;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the body is over ${limit} bytes`);
  }
}

/**
 * Reads a request body of at most `maxBytes` (declared or as it arrives); over that it stops reading and
 * rejects with BodyTooLarge, leaving the request open so the answer can still be sent (see closeAfterAnswer).
 */
export function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBytes) return reject(new BodyTooLarge(maxBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => onError(new Error('the connection closed before the body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** How long a refused request's unread body is still taken in (and thrown away) after the answer. */
export const LINGER_MS = 2_000;

/**
 * After answering a request whose body was not read (refused early, too large): the connection is closed once
 * the answer is out, but the body is first taken in and discarded for a moment (a "lingering close"), so a
 * client still sending reads the answer instead of a reset. Nothing of it is kept.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  if (!res.headersSent) res.setHeader('connection', 'close');
  res.once('finish', () => {
    if (req.complete || req.destroyed) return;
    const timer = setTimeout(() => req.destroy(), LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  });
}

/** 404 for an unknown path and 405 for a known path's wrong method; short bodies that name neither data nor code. */
function noRoute(req: IncomingMessage, res: ServerResponse, status: 404 | 405, allow?: string) {
  if (allow) res.setHeader('allow', allow);
  // Whatever body came with it is not read.
  closeAfterAnswer(req, res);
  sendJson(
    res,
    status,
    status === 404
      ? { ok: false, error: 'not_found', message: 'no such route' }
      : { ok: false, error: 'method_not_allowed', message: `use ${allow}` },
  );
}

/** The paths the Slack gate serves (src/http/slack-gate.ts); any other /slack/ path is "other" in metrics. */
const SLACK_PATHS = new Set(['/slack/events', '/slack/install', '/slack/oauth_redirect']);

/**
 * Counts a request once it is answered (or the connection is lost before that), under `route`: a fixed label,
 * never the path a client sent.
 */
function observe(metrics: Pick<TMetrics, 'httpRequest'>, route: string, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  let counted = false;
  const count = (status: number | 'aborted') => {
    if (counted) return;
    counted = true;
    metrics.httpRequest(route, status, Number(process.hrtime.bigint() - started) / 1e9);
  };
  res.once('finish', () => count(res.statusCode));
  res.once('close', () => count(res.writableFinished ? res.statusCode : 'aborted'));
}

/**
 * The one HTTP server: our routes (health, webhooks, metrics) and, in Slack HTTP mode, the Slack gate for
 * /slack/*. Unknown paths get 404 and wrong methods 405, as JSON. This is the one place where a request's
 * failure is caught: nothing a handler throws (synchronously or not) escapes; it is logged without the request
 * and answered 500 at most. With `metrics`, every request is counted by route (a registered path, a Slack path,
 * or "other" for anything else, so hostile paths add no series) and status.
 */
export function createHttpServer(opts: {
  routes: TRoute[];
  slack?: RequestListener;
  logger: TLogger;
  limits?: Partial<THttpLimits>;
  metrics?: Pick<TMetrics, 'httpRequest'>;
}): Server {
  const limits = { ...HTTP_LIMITS, ...opts.limits };
  const failed = (req: IncomingMessage, res: ServerResponse, path: string, error: unknown) => {
    opts.logger.error({ err: errorForLog(error), method: req.method, path }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal', message: 'internal error' });
    else res.end();
  };
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      try {
        const matching = opts.routes.filter((r) => r.path === path);
        const route = matching.find((r) => r.method === req.method);
        if (opts.metrics) {
          const isSlack = opts.slack && SLACK_PATHS.has(path);
          observe(opts.metrics, matching.length > 0 || isSlack ? path : 'other', res);
        }
        if (route) {
          Promise.resolve(route.handler(req, res)).catch((error: unknown) => failed(req, res, path, error));
          return;
        }
        if (matching.length > 0) return noRoute(req, res, 405, matching.map((r) => r.method).join(', '));
        if (opts.slack && path.startsWith('/slack/')) return opts.slack(req, res);
        noRoute(req, res, 404);
      } catch (error) {
        failed(req, res, path, error);
      }
    },
  );
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = limits.maxHeadersCount;
  server.setTimeout(limits.idleSocketTimeoutMs, (socket) => socket.destroy());
  // A malformed request (bad HTTP, headers too large or too slow) is answered by Node and the socket closed;
  // it is not logged with its bytes.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && !socket.writableEnded) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
    } else socket.destroy();
  });
  return server;
}
