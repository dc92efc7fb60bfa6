import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TRecordedCall = {
  /** Web API method (e.g. chat.postMessage) or `response_url` for posts to a response URL. */
  method: string;
  path: string;
  body: Record<string, unknown>;
  /** The request's bytes as sent (uploads are multipart). */
  raw: Buffer;
  headers: IncomingMessage['headers'];
};

/** A handler's answer; `__status` and `__headers` set the HTTP status and headers (e.g. 429 and Retry-After). */
type TAnswer = Record<string, unknown> & { __status?: number; __headers?: Record<string, string> };

type THandler = (call: TRecordedCall) => Promise<TAnswer> | TAnswer;

const DEFAULTS: Record<string, THandler> = {
  'auth.test': () => ({
    ok: true,
    url: 'https://acme.slack.com/',
    team: 'Acme',
    user: 'kpibot',
    team_id: 'T0ACME',
    user_id: 'U0BOT',
    bot_id: 'B0BOT',
  }),
  'users.lookupByEmail': () => ({ ok: false, error: 'users_not_found' }),
  'conversations.open': (call) => ({
    ok: true,
    channel: { id: `D${String(call.body.users ?? 'X').replace(/^U/, '')}` },
  }),
  'files.completeUploadExternal': (call) => ({ ok: true, files: call.body.files ?? [] }),
};

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * A fake Slack Web API on loopback: the app's WebClient points at `${url}api/`, response URLs at
 * `${url}respond/<id>`. Every call is recorded; handlers per method can be replaced (errors, delays).
 */
export class FakeSlack {
  readonly calls: TRecordedCall[] = [];
  readonly #handlers = new Map<string, THandler>([
    ...Object.entries(DEFAULTS),
    // files.uploadV2 step 1: hand out an upload URL on this fake (step 2 posts the bytes there).
    [
      'files.getUploadURLExternal',
      () => ({
        ok: true,
        upload_url: `${this.url}upload/F0FILE${++this.#files}`,
        file_id: `F0FILE${this.#files}`,
      }),
    ],
  ]);
  #files = 0;
  readonly #waiters: { match: (c: TRecordedCall) => boolean; resolve: (c: TRecordedCall) => void }[] = [];
  #server: Server | undefined;
  url = '';

  /** The base the app's WebClient uses (SLACK_API_URL). */
  get apiUrl(): string {
    return `${this.url}api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}respond/${id}`;
  }

  on(method: string, handler: THandler): void {
    this.#handlers.set(method, handler);
  }

  callsOf(method: string): TRecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first recorded call (past or future) that matches. */
  waitFor(match: (c: TRecordedCall) => boolean, timeoutMs = 10_000): Promise<TRecordedCall> {
    const seen = this.calls.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('fake Slack: expected call did not arrive')),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }

  async start(): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString('utf8');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = path.startsWith('/api/')
        ? path.slice(5)
        : path.startsWith('/respond/')
          ? 'response_url'
          : path;
      const call: TRecordedCall = {
        method,
        path,
        body: parseBody(raw, req.headers['content-type']),
        raw: bytes,
        headers: req.headers,
      };
      const handler = this.#handlers.get(method);
      let answer: TAnswer;
      try {
        answer = handler ? await handler(call) : { ok: true };
      } catch (error) {
        answer = { ok: false, error: String(error) };
      }
      this.calls.push(call);
      for (const w of [...this.#waiters]) {
        if (w.match(call)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
      const { __status, __headers, ...json } = answer;
      res.writeHead(__status ?? 200, { 'content-type': 'application/json', ...__headers });
      res.end(JSON.stringify(json));
    });
    // Slack keeps idle connections open far longer than Node's 5 s default. With the default, a test whose calls
    // are more than ~5 s apart (a loaded machine) could have the bot reuse a socket this server is closing at
    // that moment: the post fails as cut off ("fetch failed") and is wrongly recorded as uncertain.
    this.#server.keepAliveTimeout = 10 * 60_000;
    this.#server.headersTimeout = 10 * 60_000 + 1_000;
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
