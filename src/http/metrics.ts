import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { errorForLog, type TLogger } from '../logger.js';
import { closeAfterAnswer, sendJson, type TRoute } from './server.js';

/**
 * The bot's operational metrics in Prometheus' text format (GET /metrics, prom-client). Each bot has a registry
 * of its own (never prom-client's global one), so several bots in one process (the tests) count apart. Every
 * label takes values from a fixed set: routes are the registered paths or "other", Slack methods are the ones
 * the code calls, kinds and outcomes are enums; nothing a request sends becomes a label. What each metric means
 * and what to alert on: docs/performance.md ("What to watch in production").
 */

/** The inbox at scrape time (store/inbox-stats.ts gives it; `oldestDueReceivedAt` null when none is due). */
export type TInboxSnapshot = {
  pending: number;
  retrying: number;
  failed: number;
  waiting: number;
  oldestDueReceivedAt: Date | null;
};

/** What a Slack request asked for, as Bolt routes it. */
export type TSlackKind = 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'event' | 'other';

export type TMetrics = {
  registry: Registry;
  /** One HTTP request answered: its route label (see routeLabel), status (or aborted), and duration. */
  httpRequest(route: string, status: number | 'aborted', seconds: number): void;
  /** One Slack request acknowledged, `seconds` after Bolt was handed it. */
  slackAck(kind: TSlackKind, seconds: number): void;
  /** One scheduled job slot handled: its job and outcome (done, held, failed, uncertain, already, skipped, error). */
  jobRun(job: string, outcome: string): void;
  /** Inbox events applied (the worker's onApplied). */
  eventsApplied(n?: number): void;
  /** One Web API request (or response_url post, file upload): its method label and whether it failed. */
  slackApiCall(method: string, ok: boolean): void;
  /**
   * A fetch for Slack's WebClient and Bolt (their `fetch` option) that counts each HTTP request to the Web API
   * by method, and its errors (network, a status other than 200, or `ok: false`). Retries count as requests.
   */
  slackFetch(apiUrl: string, inner?: typeof fetch): typeof fetch;
};

/** Seconds: HTTP answers (health checks, webhooks, Slack acks) are meant to take milliseconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: Slack gives up on an ack after 3 s, so the buckets are finest below that. */
const ACK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5];

/** Web API method names look like `chat.postMessage`; anything else is counted as "other". */
const METHOD_NAME = /^[a-z][a-zA-Z]*(\.[a-zA-Z]+){1,3}$/;
/** A ceiling on distinct method labels, should a caller ever build method names from input. */
const MAX_METHODS = 200;

export function createMetrics(opts: {
  /** Reads the inbox's counts (one cheap query), at each scrape. */
  inbox?: () => Promise<TInboxSnapshot>;
  /** The business clock (apply lag is measured against it). */
  now: () => Date;
  logger: TLogger;
  /** prom-client's process metrics (memory, event-loop lag …): only when someone can read them. */
  processMetrics?: boolean;
}): TMetrics {
  const registry = new Registry();
  // The event-loop monitor runs for the life of the process once started, so not for a bot without /metrics.
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: 'kpi_http_request_duration_seconds',
    help: 'HTTP requests answered, by route (registered path, or "other") and status; _count is the number',
    labelNames: ['route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const acks = new Histogram({
    name: 'kpi_slack_ack_duration_seconds',
    help: 'Slack requests acknowledged, by kind, and how long after receipt (Slack gives up after 3 s)',
    labelNames: ['kind'] as const,
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'kpi_inbox_events_applied_total',
    help: 'Inbox events applied to the store by this process',
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'kpi_job_runs_total',
    help: 'Scheduled job slots handled by this process, by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: 'kpi_slack_api_calls_total',
    help: 'HTTP requests to Slack (Web API by method, response_url, file_upload), retries included',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const apiErrors = new Counter({
    name: 'kpi_slack_api_errors_total',
    help: 'Of those, the ones that failed: network error, HTTP status other than 200, or ok: false',
    labelNames: ['method'] as const,
    registers: [registry],
  });

  // Both inbox gauges come from one query per scrape (the registry collects metrics concurrently).
  let reading: Promise<TInboxSnapshot | null> | undefined;
  const snapshot = () => {
    const read = opts.inbox;
    if (!read) return Promise.resolve(null);
    reading ??= read()
      .catch((error: unknown) => {
        opts.logger.warn({ err: errorForLog(error) }, 'metrics: could not read the inbox');
        return null;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const STATES = ['pending', 'retrying', 'failed', 'waiting'] as const;
  new Gauge({
    name: 'kpi_inbox_events',
    help: 'Inbox events not applied, by state (pending, retrying, failed, waiting); NaN when the store is away',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const s = await snapshot();
      for (const state of STATES) this.set({ state }, s ? s[state] : Number.NaN);
    },
  });
  new Gauge({
    name: 'kpi_inbox_apply_lag_seconds',
    help: 'Age of the oldest pending event that is due (0 when none); NaN when the store is away',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      const oldest = s?.oldestDueReceivedAt;
      this.set(!s ? Number.NaN : oldest ? Math.max(0, (opts.now().getTime() - oldest.getTime()) / 1000) : 0);
    },
  });

  const methods = new Set<string>();
  const methodLabel = (name: string) => {
    if (!METHOD_NAME.test(name)) return 'other';
    if (!methods.has(name) && methods.size >= MAX_METHODS) return 'other';
    methods.add(name);
    return name;
  };
  const slackApiCall = (method: string, ok: boolean) => {
    apiCalls.inc({ method });
    if (!ok) apiErrors.inc({ method });
  };

  return {
    registry,
    httpRequest(route, status, seconds) {
      http.observe({ route, status: String(status) }, seconds);
    },
    slackAck(kind, seconds) {
      acks.observe({ kind }, seconds);
    },
    jobRun(job, outcome) {
      jobs.inc({ job, outcome });
    },
    eventsApplied(n = 1) {
      applied.inc(n);
    },
    slackApiCall,
    slackFetch(apiUrl, inner = globalThis.fetch) {
      const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
      return async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const isApi = url.startsWith(base);
        // Not the Web API: Bolt's respond() posting to a response URL, or a file's bytes to its upload URL.
        const method = isApi
          ? methodLabel(url.slice(base.length).split('?')[0] ?? '')
          : /\/upload\//.test(url)
            ? 'file_upload'
            : 'response_url';
        let response: Response;
        try {
          response = await inner(input, init);
        } catch (error) {
          slackApiCall(method, false);
          throw error;
        }
        let ok = isApi ? response.status === 200 : response.ok;
        if (ok && isApi && response.headers.get('content-type')?.includes('json')) {
          // Slack answers errors with 200 and `ok: false`; a copy of the body is read, the original is left whole.
          try {
            const body = (await response.clone().json()) as { ok?: unknown };
            ok = body?.ok !== false;
          } catch {
            ok = false;
          }
        }
        slackApiCall(method, ok);
        return response;
      };
    },
  };
}

/** The kind of a Slack request from its body (as Bolt parsed it). */
export function slackKindOf(body: Record<string, unknown> | undefined): TSlackKind {
  if (!body) return 'other';
  if (typeof body.command === 'string') return 'command';
  switch (body.type) {
    case 'block_actions':
    case 'interactive_message':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return 'view';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    case 'block_suggestion':
    case 'dialog_suggestion':
      return 'options';
    case 'event_callback':
      return 'event';
    default:
      return 'other';
  }
}

/** Equal in constant time whatever the lengths (both sides are hashed first). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token of an Authorization header (`Bearer <token>`, the scheme in any case), or null. */
function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/**
 * GET /metrics: the registry in Prometheus' text format, for a bearer token equal to KPI_METRICS_TOKEN (compared
 * in constant time). Without it, or with another token: 401 with `www-authenticate: Bearer` and a short body,
 * never a metric. main.ts adds the route only when the token is set (otherwise the path is a 404 like any other).
 */
export function metricsRoute(metrics: Pick<TMetrics, 'registry'>, token: string): TRoute {
  return {
    method: 'GET',
    path: '/metrics',
    async handler(req, res) {
      const given = bearerToken(req.headers.authorization);
      if (given === null || !sameSecret(given, token)) {
        res.setHeader('www-authenticate', 'Bearer');
        closeAfterAnswer(req, res);
        sendJson(res, 401, { ok: false, error: 'unauthorized', message: 'a valid bearer token is required' });
        return;
      }
      const text = await metrics.registry.metrics();
      res.writeHead(200, {
        'content-type': metrics.registry.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      res.end(text);
    },
  };
}
