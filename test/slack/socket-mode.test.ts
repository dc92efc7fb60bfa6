import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startBot, type TBot } from '../../src/main.js';
import { createMigratedDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';

/**
 * Socket Mode as Slack runs it: the app asks the Web API (apps.connections.open) for a WebSocket URL, Slack
 * says hello, sends envelopes, and the app acknowledges each envelope id over the socket.
 */
let slack: FakeSlack;
let wss: WebSocketServer;
let bot: TBot;
let drop: () => Promise<void>;
const received: Record<string, unknown>[] = [];
let socket: Promise<WebSocket>;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
  socket = new Promise((resolve) =>
    wss.once('connection', (ws) => {
      ws.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0KPI' } }));
      resolve(ws);
    }),
  );
  slack = await new FakeSlack().start();
  slack.on('apps.connections.open', (call) => {
    expect(call.headers.authorization).toBe('Bearer xapp-1-A0KPI-test');
    return { ok: true, url: wsUrl };
  });
  const database = await createMigratedDatabase();
  drop = database.drop;
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: 'xoxb-test-0000-token',
    SLACK_APP_TOKEN: 'xapp-1-A0KPI-test',
    SLACK_API_URL: slack.apiUrl,
  });
  expect(config.slackMode).toBe('socket');
  bot = await startBot(config, { logger: createLogger('silent') });
});

afterAll(async () => {
  await bot?.stop();
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((r) => wss?.close(r));
  await slack?.stop();
  await drop?.();
});

describe('Socket Mode', () => {
  it('connects through apps.connections.open, acknowledges a /kpi envelope, and answers it', async () => {
    const ws = await socket;
    ws.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          team_id: 'T0ACME',
          user_id: 'U0DANA',
          user_name: 'dana',
          channel_id: 'C0SALES',
          command: '/kpi',
          text: 'help',
          response_url: slack.responseUrl('socket-1'),
          trigger_id: '1.2.3',
          api_app_id: 'A0KPI',
        },
      }),
    );
    const reply = await slack.waitFor((c) => c.path === '/respond/socket-1');
    expect(String(reply.body.text)).toContain('/kpi help');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(received.some((m) => m.envelope_id === 'env-1')).toBe(true);
    // The HTTP server still serves health in Socket Mode.
    const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'socket' });
  });
});
