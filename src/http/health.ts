import type { TStore } from '../store/store.js';
import { sendJson, type TRoute } from './server.js';

/** GET /healthz: 200 when the store answers, 503 when it does not or while shutting down. */
export function healthRoute(store: TStore, state: { stopping: boolean; mode: string }): TRoute {
  return {
    method: 'GET',
    path: '/healthz',
    async handler(_req, res) {
      if (state.stopping) {
        sendJson(res, 503, { status: 'stopping' });
        return;
      }
      try {
        await store.ping();
        sendJson(res, 200, { status: 'ok', store: store.provider, mode: state.mode });
      } catch {
        sendJson(res, 503, { status: 'unavailable', store: store.provider, mode: state.mode });
      }
    },
  };
}
