import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createCommandRouter } from '../src/commands/execute.js';
import { COMMANDS } from '../src/commands/index.js';
import { genericSignature } from '../src/ingest/auth.js';
import { importCsv } from '../src/ingest/csv/import.js';
import { storeInboxItems } from '../src/ingest/inbox.js';
import { createLogger } from '../src/logger.js';
import { leaderboardReport } from '../src/reports/leaderboard.js';
import { providerOf, sqlitePathOf } from '../src/store/provider.js';
import { openStore } from '../src/store/store.js';
import { BENCH_NOW, BENCH_TEAM, rng, type TGenerated } from './generate.js';
import { peakRssMb, summarize, type TTimings, time } from './measure.js';
import { runKpi, startBareServer, startBotProcess, startFakeSlack } from './processes.js';

const SIGNING_SECRET = '8f742231b10e8888abcd99aabbcc85a5';
const WEBHOOK_SECRET = 'bench-webhook-secret-00000000000000';
const silent = createLogger('silent');
const iso = (d: Date) => d.toISOString().replace('Z', '+00:00');

/** The raw driver, for baselines: better-sqlite3 or pg. */
async function rawQuery(url: string) {
  if (providerOf(url) === 'sqlite') {
    const db = new Database(sqlitePathOf(url), { readonly: true });
    return {
      all: async (sql: string, params: unknown[]) =>
        db.prepare(sql).all(...params.map((p) => (p instanceof Date ? iso(p) : p))) as unknown[],
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  return {
    all: async (sql: string, params: unknown[]) => {
      // $1.. placeholders; timestamps as UTC wall time (the columns are timestamp without time zone).
      const text = sql.replace(/\?/g, () => `$${++n}`);
      n = 0;
      const values = params.map((p) => (p instanceof Date ? p.toISOString().replace('Z', '') : p));
      return (await client.query(text, values)).rows as unknown[];
    },
    close: async () => client.end(),
  };
}

const monthOf = (d: Date) => ({
  start: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)),
  end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)),
});

/** One data set's `/kpi me`: a scorecard of the i-th random rep through the command router, and the raw sum. */
async function scorecardRunner(url: string, gen: TGenerated, n: number) {
  const store = await openStore(url);
  const raw = await rawQuery(url);
  const router = createCommandRouter(COMMANDS);
  const workspace = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
  const pickRep = rng(7);
  const reps = Array.from({ length: n + 10 }, () => gen.reps[Math.floor(pickRep() * gen.reps.length)]);
  const { start, end } = monthOf(BENCH_NOW);
  return {
    raw: (i: number) =>
      raw.all(
        `SELECT COALESCE(SUM("amountMinor"), 0) AS won FROM "Deal" WHERE "workspaceId" = ? AND "repId" = ? AND "status" = 'won' AND "closedAt" >= ? AND "closedAt" < ?`,
        [workspace.id, reps[i]?.id, start, end],
      ),
    me: async (i: number) => {
      const rep = reps[i];
      const reply = await router.execute('me', {
        workspace,
        actor: { repId: rep?.id, slackUserId: rep?.slackUserId, name: 'bench' },
        now: BENCH_NOW,
        store,
        logger: silent,
      });
      if (reply.refused) throw new Error(`/kpi me refused: ${reply.text}`);
    },
    close: async () => {
      await raw.close();
      await store.close();
    },
  };
}

/** `/kpi me` (all ten metrics, one rep, this month) through the command router, vs the raw won-deals sum. */
export async function scorecard(url: string, gen: TGenerated, n: number) {
  const run = await scorecardRunner(url, gen, n);
  try {
    const baseline = await time(run.raw, n);
    const measured = await time(run.me, n);
    return { measured, baseline };
  } finally {
    await run.close();
  }
}

/**
 * `/kpi me` on two data sets alternated in one process (a, b, then b, a, …), so that the machine's noise falls
 * on both alike: the figure to compare sizes by.
 */
export async function scorecardPair(
  a: { url: string; gen: TGenerated },
  b: { url: string; gen: TGenerated },
  n: number,
) {
  const runA = await scorecardRunner(a.url, a.gen, n);
  const runB = await scorecardRunner(b.url, b.gen, n);
  try {
    // Warm-up on the first reps measured, as time() does.
    for (let i = 0; i < 5; i++) {
      await runA.me(i);
      await runB.me(i);
    }
    const msA: number[] = [];
    const msB: number[] = [];
    const timed = async (run: typeof runA, i: number, into: number[]) => {
      const t0 = performance.now();
      await run.me(i);
      into.push(performance.now() - t0);
    };
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        await timed(runA, i, msA);
        await timed(runB, i, msB);
      } else {
        await timed(runB, i, msB);
        await timed(runA, i, msA);
      }
    }
    return { a: summarize(msA), b: summarize(msB) };
  } finally {
    await runA.close();
    await runB.close();
  }
}

/** The month's leaderboard over every rep (1,000) vs the raw covering-index GROUP BY. */
export async function leaderboard(url: string, n: number, metricId = 'sales.won_total') {
  const store = await openStore(url);
  const raw = await rawQuery(url);
  try {
    const workspace = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    const { start, end } = monthOf(BENCH_NOW);
    const baseline = await time(
      () =>
        raw.all(
          `SELECT "repId", SUM("amountMinor") AS won FROM "Deal" WHERE "workspaceId" = ? AND "status" = 'won' AND "closedAt" >= ? AND "closedAt" < ? GROUP BY "repId"`,
          [workspace.id, start, end],
        ),
      n,
    );
    const measured = await time(async () => {
      const board = await leaderboardReport(store.db, workspace, metricId, 'this month', BENCH_NOW);
      // Every rep is counted: ranked (a result this month) or not (no result yet).
      if (board.ranked + board.unranked < 1000 || board.rows.length !== board.ranked)
        throw new Error(`leaderboard has ${board.ranked} ranked and ${board.unranked} unranked reps`);
    }, n);
    return { measured, baseline };
  } finally {
    await raw.close();
    await store.close();
  }
}

/**
 * Webhook ingest: signed single generic events over HTTP from concurrent autocannon clients into the bot
 * (its own process), vs a bare node:http server that reads the body and answers 200, same client settings.
 * Afterwards every acknowledged event is counted in the inbox and, once applied, in the activities.
 */
export async function ingest(url: string, durationSec: number, connections: number) {
  const bare = await startBareServer();
  const run = (
    port: number,
    path: string,
    body: (i: number) => { body: string; headers: Record<string, string> },
  ) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      let i = 0;
      autocannon(
        {
          url: `http://127.0.0.1:${port}${path}`,
          connections,
          duration: durationSec,
          method: 'POST',
          requests: [
            {
              setupRequest: (req) => {
                const b = body(i++);
                return { ...req, method: 'POST', body: b.body, headers: { ...req.headers, ...b.headers } };
              },
            },
          ],
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
    });
  const event = (i: number) => {
    const body = JSON.stringify({
      id: `bench-${process.pid}-${i}`,
      type: 'activity.logged',
      activityId: `bench-${process.pid}-${i}`,
      owner: { email: 'r1@bench.example' },
      kind: 'call',
      count: 1,
      occurredAt: '2026-11-10T10:00:00Z',
    });
    const ts = String(Math.floor(Date.now() / 1000));
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-kpi-timestamp': ts,
        'x-kpi-signature': genericSignature(WEBHOOK_SECRET, ts, body),
      },
    };
  };
  let baseline: autocannon.Result;
  try {
    baseline = await run(bare.port, '/', event);
  } finally {
    await bare.stop();
  }
  const store = await openStore(url);
  const before = await store.db.inboxEvent.count();
  const activitiesBefore = await store.db.activity.count({ where: { source: 'generic' } });
  const bot = await startBotProcess({
    DATABASE_URL: url,
    KPI_WEBHOOK_SECRET: WEBHOOK_SECRET,
    KPI_WEBHOOK_RATE_LIMIT: '1000000',
    KPI_TIMEZONE: 'UTC',
    KPI_INBOX_WORKER: process.env.BENCH_WORKER ?? 'on',
  });
  let measured: autocannon.Result;
  let applyMs = 0;
  try {
    measured = await run(bot.port, `/webhooks/events`, event);
    const t0 = Date.now();
    // The worker applies them after the answers: wait until every one is applied (or 2 minutes). Requests
    // still in flight when the clients stopped may be stored after a first look finds none pending: done when
    // nothing is pending and nothing new was stored since the look before.
    let storedBefore = -1;
    let doneAt = 0;
    while (Date.now() - t0 < 120_000) {
      const pending = await store.db.inboxEvent.count({ where: { appliedAt: null } });
      const storedNow = await store.db.inboxEvent.count();
      if (pending > 0 || storedNow !== storedBefore) doneAt = 0;
      else if (doneAt) break;
      if (pending === 0 && !doneAt) doneAt = Date.now();
      storedBefore = storedNow;
      await new Promise((r) => setTimeout(r, 200));
    }
    applyMs = (doneAt || Date.now()) - t0;
    // Requests still in flight when the clients stopped are stored too (and not counted as acknowledged).
    const stored = (await store.db.inboxEvent.count()) - before;
    const applied = (await store.db.activity.count({ where: { source: 'generic' } })) - activitiesBefore;
    return {
      measuredRps: measured['2xx'] / durationSec,
      baselineRps: baseline['2xx'] / durationSec,
      acknowledged: measured['2xx'],
      non2xx: measured.non2xx,
      errors: measured.errors,
      stored,
      applied,
      applyMs,
    };
  } finally {
    await bot.stop();
    await store.close();
  }
}

/** Bulk import of a deals CSV (rows/s) vs the raw driver inserting the same rows in one transaction. */
export async function bulkImport(freshUrl: () => Promise<string>, rows: number, gen: TGenerated) {
  const file = join(tmpdir(), `kpi-bench-deals-${process.pid}.csv`);
  const rand = rng(99);
  const lines = ['deal_id,owner,amount,stage,status,opened_at,closed_at'];
  const data: [string, string, number, string, string, string, string][] = [];
  for (let i = 0; i < rows; i++) {
    const rep = gen.reps[Math.floor(rand() * gen.reps.length)];
    const opened = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 300) * 86_400_000);
    const closed = new Date(opened.getTime() + 20 * 86_400_000);
    const won = rand() < 0.5;
    const row: (typeof data)[number] = [
      `I${i}`,
      rep?.email ?? '',
      Math.round(rand() * 50_000),
      won ? 'Won' : 'Lost',
      won ? 'won' : 'lost',
      opened.toISOString().slice(0, 10),
      closed.toISOString().slice(0, 10),
    ];
    data.push(row);
    lines.push(row.join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    // Ours: `kpi import deals` on a database holding the reps.
    const target = await freshUrl();
    const store = await openStore(target);
    let ms: number;
    try {
      const workspace = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: BENCH_TEAM } });
      const t0 = performance.now();
      const summary = await importCsv(store.db, { kind: 'deals', file, workspace, provider: store.provider });
      ms = performance.now() - t0;
      if (summary.created !== rows) throw new Error(`import created ${summary.created} of ${rows} deals`);
    } finally {
      await store.close();
    }
    // Raw: the same rows into the same table in one transaction (prepared insert; UNNEST batches on PostgreSQL).
    const rawTarget = await freshUrl();
    const repByEmail = new Map(gen.reps.map((r) => [r.email, r.id]));
    const t1 = performance.now();
    if (providerOf(rawTarget) === 'sqlite') {
      const db = new Database(sqlitePathOf(rawTarget));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const st = db.prepare(
        `INSERT INTO "Deal" ("id","workspaceId","source","externalId","repId","amountMinor","stage","status","openedAt","closedAt","createdAt","updatedAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      );
      const now = iso(new Date());
      db.transaction(() => {
        for (const r of data)
          st.run(
            r[0],
            'bench-ws',
            'csv',
            r[0],
            repByEmail.get(r[1]) ?? null,
            r[2] * 100,
            r[3],
            r[4],
            `${r[5]}T00:00:00.000+00:00`,
            `${r[6]}T00:00:00.000+00:00`,
            now,
            now,
          );
      })();
      db.close();
    } else {
      const client = new pg.Client({ connectionString: rawTarget });
      await client.connect();
      await client.query('BEGIN');
      for (let i = 0; i < data.length; i += 10_000) {
        const chunk = data.slice(i, i + 10_000);
        await client.query(
          `INSERT INTO "Deal" ("id","workspaceId","source","externalId","repId","amountMinor","stage","status","openedAt","closedAt","createdAt","updatedAt")
           SELECT id, 'bench-ws', 'csv', id, rep, amt, stage, status, o, c, now(), now() FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamp(3)[], $7::timestamp(3)[]) AS t(id, rep, amt, stage, status, o, c)`,
          [
            chunk.map((r) => r[0]),
            chunk.map((r) => repByEmail.get(r[1]) ?? null),
            chunk.map((r) => String(r[2] * 100)),
            chunk.map((r) => r[3]),
            chunk.map((r) => r[4]),
            chunk.map((r) => r[5]),
            chunk.map((r) => r[6]),
          ],
        );
      }
      await client.query('COMMIT');
      await client.end();
    }
    const rawMs = performance.now() - t1;
    return { rowsPerSec: rows / (ms / 1000), rawRowsPerSec: rows / (rawMs / 1000) };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Sends signed slash commands all at once from a child process; the time to each HTTP answer. */
async function sendFromChild(
  url: string,
  bodies: string[],
): Promise<{ acks: number[]; failed: string[]; startedAt: number }> {
  const code = `
    const { createHmac } = require('node:crypto');
    const { url, secret, bodies } = JSON.parse(process.env.BENCH_INPUT);
    const sign = (body) => {
      const ts = String(Math.floor(Date.now() / 1000));
      return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts,
        'x-slack-signature': 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex') };
    };
    const startedAt = Date.now();
    Promise.all(bodies.map(async (body) => {
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: sign(body), body });
      await res.arrayBuffer();
      return { ms: performance.now() - t0, status: res.status };
    })).then((results) => process.stdout.write(JSON.stringify({ startedAt, results })));`;
  const child = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, BENCH_INPUT: JSON.stringify({ url, secret: SIGNING_SECRET, bodies }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const { startedAt, results } = JSON.parse(out) as {
    startedAt: number;
    results: { ms: number; status: number }[];
  };
  return {
    startedAt,
    acks: results.map((r) => r.ms),
    failed: results.filter((r) => r.status !== 200).map((r) => String(r.status)),
  };
}

/**
 * `/kpi me` under load: the bot in its own process (HTTP mode, a fake Slack), `concurrent` signed slash commands
 * sent at once; the time to each ack (HTTP 200), whether every one was answered at its response URL, and when
 * the last reply and the last chart arrived, counted from the moment the requests were sent. The bot process's
 * peak memory (VmHWM) is read afterwards, once every chart is in (or the wait gave up).
 */
export async function ackUnderLoad(url: string, gen: TGenerated, concurrent: number) {
  const slack = await startFakeSlack(BENCH_TEAM);
  const bot = await startBotProcess({
    DATABASE_URL: url,
    SLACK_BOT_TOKEN: 'xoxb-bench-0000',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    KPI_INBOX_WORKER: 'off',
    KPI_TIMEZONE: 'UTC',
  });
  try {
    const ids = Array.from({ length: concurrent }, (_, i) => `me-${i}`);
    const bodies = ids.map((id, i) =>
      new URLSearchParams({
        token: 'x',
        team_id: BENCH_TEAM,
        team_domain: 'bench',
        channel_id: 'CBENCH',
        channel_name: 'bench',
        user_id: gen.reps[(i * 7) % gen.reps.length]?.slackUserId ?? 'U',
        user_name: 'bench',
        command: '/kpi',
        text: 'me',
        response_url: slack.responseUrl(id),
        trigger_id: '1.2.3',
        api_app_id: 'A0BENCH',
        is_enterprise_install: 'false',
      }).toString(),
    );
    // The requests are sent from a process of their own: this one also plays Slack (uploads, replies), and
    // its busy moments must not be counted as the bot's slow acks.
    const { acks, failed, startedAt } = await sendFromChild(
      `http://127.0.0.1:${bot.port}/slack/events`,
      bodies,
    );
    const t0 = Date.now();
    // Until every request has its reply, and every real answer its chart (an error reply has none).
    const pending = (id: string) => {
      const r = slack.replies.get(id);
      return !r || (r.ok && r.chartAt === undefined);
    };
    while (Date.now() - t0 < 180_000 && ids.some(pending)) await new Promise((r) => setTimeout(r, 200));
    // Answered with the scorecard, not with an error reply.
    const answered = ids.filter((id) => slack.replies.get(id)?.ok).length;
    const got = ids.map((id) => slack.replies.get(id));
    const lastOf = (at: (r: (typeof got)[number]) => number | undefined) =>
      got.every((r) => at(r) !== undefined)
        ? Math.max(...got.map((r) => (at(r) as number) - startedAt))
        : Number.POSITIVE_INFINITY;
    return {
      ack: summarize(acks) as TTimings,
      answered,
      failed,
      /** The last first reply, from the burst's start (infinite if one never came). */
      lastReplyMs: lastOf((r) => r?.firstAt),
      /** The last chart, from the burst's start (infinite if one never came). */
      lastChartMs: lastOf((r) => r?.chartAt),
      charts: got.filter((r) => r?.chartAt !== undefined).length,
      peakRssMb: bot.child.pid ? peakRssMb(bot.child.pid) : null,
    };
  } finally {
    await bot.stop();
    await slack.stop();
  }
}

/**
 * Inbox apply: `events` stored webhook events (four activities to one deal update, the org's reps as owners)
 * applied by `workers` processes started together (`kpi inbox retry --json`, each applying whatever is due
 * until none is), timed from their start to the last one's exit. Every event must be applied exactly once.
 */
export async function applyRun(url: string, gen: TGenerated, events: number, workers: number) {
  const store = await openStore(url);
  try {
    const workspace = await store.db.workspace.findFirstOrThrow({ where: { slackTeamId: BENCH_TEAM } });
    const owners = gen.reps.slice(0, 50).map((r) => ({ email: r.email }));
    const items = Array.from({ length: events }, (_, i) => {
      const owner = owners[i % owners.length];
      const payload =
        i % 5 === 0
          ? {
              id: `apply-${i}`,
              type: 'deal.upserted',
              dealId: `apply-deal-${i % 500}`,
              stage: ['Prospecting', 'Qualified', 'Demo', 'Proposal', 'Negotiation'][
                i % 5 === 0 ? (i / 5) % 5 : 0
              ],
              amount: 1000 + i,
              owner,
              occurredAt: new Date(Date.UTC(2026, 10, 2, 9, 0, i % 3600)).toISOString(),
            }
          : {
              id: `apply-${i}`,
              type: 'activity.logged',
              activityId: `apply-act-${i}`,
              owner,
              kind: 'call',
              count: 1,
              occurredAt: '2026-11-10T10:00:00Z',
            };
      return {
        workspaceId: workspace.id,
        source: 'generic',
        eventId: `apply-${i}`,
        eventType: payload.type,
        payload,
      };
    });
    for (let i = 0; i < items.length; i += 1_000) await storeInboxItems(store.db, items.slice(i, i + 1_000));
    const t0 = performance.now();
    const runs = await Promise.all(
      Array.from({ length: workers }, () =>
        runKpi(['inbox', 'retry', '--json'], { DATABASE_URL: url, KPI_TIMEZONE: 'UTC' }),
      ),
    );
    const ms = performance.now() - t0;
    const applied = runs.map((r) => {
      if (r.code !== 0) throw new Error(`kpi inbox retry failed (${r.code}): ${r.out.slice(-2000)}`);
      return Number(JSON.parse(r.out.trim().split('\n').pop() ?? '{}').applied ?? Number.NaN);
    });
    const pending = await store.db.inboxEvent.count({ where: { appliedAt: null } });
    return { perSec: (events / ms) * 1000, applied, pending };
  } finally {
    await store.close();
  }
}
