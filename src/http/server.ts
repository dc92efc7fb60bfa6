import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { TLogger } from '../logger.js';

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

/**
 * The one HTTP server: our routes (health, webhooks) and, in Slack HTTP mode, Bolt's receiver for /slack/*.
 * Unknown paths get 404 and wrong methods 405, as JSON.
 */
export function createHttpServer(opts: {
  routes: TRoute[];
  slack?: RequestListener;
  logger: TLogger;
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const matching = opts.routes.filter((r) => r.path === path);
    const route = matching.find((r) => r.method === req.method);
    if (route) {
      Promise.resolve(route.handler(req, res)).catch((error: unknown) => {
        opts.logger.error({ err: error, path }, 'route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' });
        else res.end();
      });
      return;
    }
    if (matching.length > 0) {
      res.setHeader('allow', matching.map((r) => r.method).join(', '));
      sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` });
      return;
    }
    if (opts.slack && path.startsWith('/slack/')) {
      opts.slack(req, res);
      return;
    }
    sendJson(res, 404, { error: 'not_found', message: `no route ${path}` });
  });
}
