import { z } from 'zod';
import { parseEncryptionKey } from './secret-box.js';

/**
 * The one reader of the environment. Every variable is documented in docs/configuration.md.
 * A bad value stops start-up with one line per variable: its name, what was expected, and an example.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** True for an IANA time zone name this runtime knows (e.g. Europe/Berlin). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Empty strings count as unset, as in most .env tooling. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** For each variable: its schema, what it expects in words, and an example (used in the error line). */
const VARIABLES = {
  DATABASE_URL: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/)
        .default('file:./data/kpi.db'),
    ),
    expected: 'a SQLite file URL (file:...) or a PostgreSQL URL (postgresql://...)',
    example: 'postgresql://kpi:secret@db.internal:5432/kpi',
  },
  PORT: {
    schema: optionalString.pipe(
      z
        .string()
        .default('3000')
        .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535)
        .transform(Number),
    ),
    expected: 'a whole number from 0 to 65535 (0 picks a free port)',
    example: '3000',
  },
  HOST: {
    schema: optionalString.pipe(z.string().default('0.0.0.0')),
    expected: 'an interface address to listen on',
    example: '127.0.0.1',
  },
  SLACK_BOT_TOKEN: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^xoxb-/)
        .optional(),
    ),
    expected: 'a bot token starting with xoxb- (OAuth & Permissions > Bot User OAuth Token)',
    example: 'xoxb-1234-5678-abcdef',
  },
  SLACK_SIGNING_SECRET: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9]{8,}$/)
        .optional(),
    ),
    expected: 'the signing secret, letters and digits (Basic Information > App Credentials)',
    example: '8f742231b10e8888abcd99yyyzzz85a5',
  },
  SLACK_APP_TOKEN: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^xapp-/)
        .optional(),
    ),
    expected: 'an app-level token starting with xapp- with connections:write (enables Socket Mode)',
    example: 'xapp-1-A0123-4567-abcdef',
  },
  SLACK_CLIENT_ID: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^\d+\.\d+$/)
        .optional(),
    ),
    expected:
      "the app's client id, digits.digits (Basic Information > App Credentials; enables OAuth install)",
    example: '1234567890.9876543210',
  },
  SLACK_CLIENT_SECRET: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9]{8,}$/)
        .optional(),
    ),
    expected: "the app's client secret, letters and digits (Basic Information > App Credentials)",
    example: '0123456789abcdef0123456789abcdef',
  },
  SLACK_STATE_SECRET: {
    schema: optionalString.pipe(z.string().min(16).optional()),
    expected: 'a random secret of 16 characters or more that signs the OAuth state',
    example: 'c6f8e1d2b7a94e0f9a3b5c7d',
  },
  KPI_ENCRYPTION_KEY: {
    schema: optionalString.pipe(
      z
        .string()
        .refine((v) => parseEncryptionKey(v) !== null)
        .optional(),
    ),
    expected:
      '32 random bytes as 64 hex digits or base64 (openssl rand -hex 32); encrypts Slack tokens at rest',
    example: '3f9c0d5e7a1b2c4d6e8f00112233445566778899aabbccddeeff001122334455',
  },
  SLACK_API_URL: {
    schema: optionalString.pipe(
      z
        .url({ protocol: /^https?$/ })
        .transform((u) => (u.endsWith('/') ? u : `${u}/`))
        .optional(),
    ),
    expected: "an http(s) URL of Slack's Web API or a proxy of it",
    example: 'https://slack.com/api/',
  },
  HUBSPOT_CLIENT_SECRET: {
    schema: optionalString.pipe(z.string().min(8).optional()),
    expected: "your HubSpot app's client secret (enables POST /webhooks/hubspot)",
    example: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
  },
  HUBSPOT_SIGNATURE_VERSIONS: {
    schema: optionalString.pipe(
      z
        .string()
        .default('v3')
        .transform((v) => v.split(',').map((x) => x.trim().toLowerCase()))
        .refine((vs) => vs.every((x) => ['v1', 'v2', 'v3'].includes(x)))
        .transform((vs) => vs.filter((x): x is 'v1' | 'v2' => x !== 'v3')),
    ),
    expected: 'a comma-separated list of HubSpot signature versions to accept besides v3 (v1, v2)',
    example: 'v3,v2',
  },
  PIPEDRIVE_WEBHOOK_USER: {
    schema: optionalString.pipe(z.string().max(200).optional()),
    expected: 'the HTTP basic auth user set on the Pipedrive webhook (http_auth_user)',
    example: 'kpibot',
  },
  PIPEDRIVE_WEBHOOK_PASSWORD: {
    schema: optionalString.pipe(z.string().min(8).max(200).optional()),
    expected: 'the HTTP basic auth password set on the Pipedrive webhook (http_auth_password), 8+ characters',
    example: 'a-long-random-password',
  },
  KPI_WEBHOOK_SECRET: {
    schema: optionalString.pipe(z.string().min(16).optional()),
    expected: 'a random secret of 16+ characters that signs requests to POST /webhooks/events',
    example: 'f3a9c1d27b5e4f60a8c9d0e1f2a3b4c5',
  },
  KPI_METRICS_TOKEN: {
    schema: optionalString.pipe(
      z
        .string()
        .min(16)
        .regex(/^[\x21-\x7e]+$/)
        .optional(),
    ),
    expected:
      'a random token of 16+ printable characters, no spaces, that Prometheus sends as a bearer token to GET /metrics (unset: no /metrics)',
    example: '9c4e0b7a1f3d5e6a8b2c4d6e8f0a1b3c',
  },
  KPI_PUBLIC_URL: {
    schema: optionalString.pipe(
      z
        .url({ protocol: /^https?$/ })
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
    ),
    expected: 'the public base URL the bot is reached at (HubSpot signs requests against it)',
    example: 'https://kpi.example.com',
  },
  KPI_WEBHOOK_RATE_LIMIT: {
    schema: optionalString.pipe(
      z
        .string()
        .default('1000')
        .refine((v) => /^\d{1,7}$/.test(v) && Number(v) > 0)
        .transform(Number),
    ),
    expected: 'requests per second each webhook source may send (bursts of 5 seconds allowed)',
    example: '200',
  },
  KPI_HTTP_MAX_CONNECTIONS: {
    schema: optionalString.pipe(
      z
        .string()
        .default('256')
        .refine((v) => /^\d{1,6}$/.test(v) && Number(v) >= 8)
        .transform(Number),
    ),
    expected:
      'the most HTTP connections open at once, 8 or more (each may hold a request body of up to 1 MiB)',
    example: '512',
  },
  KPI_INBOX_WORKER: {
    schema: optionalString.pipe(z.enum(['on', 'off']).default('on')),
    expected: 'on or off: whether this process applies stored webhook events (off: receive only)',
    example: 'off',
  },
  KPI_LEADERBOARD_CHANNEL: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/)
        .optional(),
    ),
    expected: 'a Slack channel id (C… or G…) for weekly leaderboards when a workspace has not chosen one',
    example: 'C0123SALES',
  },
  KPI_CELEBRATIONS_CHANNEL: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/)
        .optional(),
    ),
    expected:
      'a Slack channel id (C… or G…) for deal-won celebrations and 100% milestones when a workspace has not chosen one (unset: off)',
    example: 'C0123WINS',
  },
  KPI_JOBS: {
    schema: optionalString.pipe(z.enum(['on', 'off']).default('on')),
    expected: 'on or off: whether this process runs the scheduled jobs (leaderboards, coaching alerts)',
    example: 'off',
  },
  KPI_JOBS_CATCHUP_HOURS: {
    schema: optionalString.pipe(
      z
        .string()
        .default('24')
        .refine((v) => /^\d{1,4}$/.test(v) && Number(v) >= 1)
        .transform(Number),
    ),
    expected:
      'hours (1 or more) after which a slot missed while the bot was down is skipped instead of run late',
    example: '12',
  },
  KPI_SLACK_ADMINS: {
    schema: optionalString.pipe(z.enum(['on', 'off']).default('on')),
    expected: "on or off: whether the Slack workspace's own admins and owners are KPI Bot admins",
    example: 'off',
  },
  KPI_TIMEZONE: {
    schema: optionalString.pipe(z.string().refine(isTimeZone).default('UTC')),
    expected: 'an IANA time zone name',
    example: 'Europe/Berlin',
  },
  KPI_LOCAL_USER: {
    schema: optionalString,
    expected: 'the name of the person the local shell acts as',
    example: 'Dana Scott',
  },
  LOG_LEVEL: {
    schema: optionalString.pipe(z.enum(LOG_LEVELS).default('info')),
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    example: 'debug',
  },
} as const;

type TVariables = typeof VARIABLES;
type TParsed = { [K in keyof TVariables]: z.output<TVariables[K]['schema']> };

export type TSlackMode = 'local' | 'http' | 'socket' | 'oauth';
export type TConfig = TParsed & {
  /**
   * local: no Slack credentials (embedded shell); http: one workspace's bot token, Events API over HTTP; socket:
   * the same over Socket Mode; oauth: distributed app installed by any number of workspaces over HTTP.
   */
  slackMode: TSlackMode;
};

/** Thrown when the environment is invalid; `lines` holds one human-readable line per problem. */
export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  const s = String(value);
  // Never echo what may be a secret in full.
  return s.length > 12 ? `"${s.slice(0, 6)}…" (${s.length} characters)` : `"${s}"`;
}

/** Validates an environment (default: this process's) into a typed configuration, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): TConfig {
  const lines: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const result = spec.schema.safeParse(env[name]);
    if (result.success) parsed[name] = result.data;
    else {
      const secret =
        name.includes('TOKEN') ||
        name.includes('SECRET') ||
        name.includes('PASSWORD') ||
        name.includes('KEY');
      const got = secret ? 'a value of the wrong form' : `got ${describe(env[name])}`;
      lines.push(`${name} must be ${spec.expected}; ${got} (example: ${name}=${spec.example})`);
    }
  }
  const cfg = parsed as TParsed;
  if (lines.length === 0) {
    if (cfg.SLACK_BOT_TOKEN && !cfg.SLACK_SIGNING_SECRET && !cfg.SLACK_APP_TOKEN) {
      lines.push(
        'SLACK_SIGNING_SECRET must be set when SLACK_BOT_TOKEN is (HTTP mode), or set SLACK_APP_TOKEN for Socket Mode (example: SLACK_SIGNING_SECRET=8f742231b10e8888abcd99yyyzzz85a5)',
      );
    }
    if (Boolean(cfg.PIPEDRIVE_WEBHOOK_USER) !== Boolean(cfg.PIPEDRIVE_WEBHOOK_PASSWORD)) {
      lines.push(
        'PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD must be set together (example: PIPEDRIVE_WEBHOOK_USER=kpibot)',
      );
    }
    const oauth = cfg.SLACK_CLIENT_ID || cfg.SLACK_CLIENT_SECRET;
    if (oauth) {
      if (cfg.SLACK_BOT_TOKEN || cfg.SLACK_APP_TOKEN)
        lines.push(
          'SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth install for many workspaces) and SLACK_BOT_TOKEN/SLACK_APP_TOKEN (one workspace) exclude each other; unset one pair (example: SLACK_BOT_TOKEN=)',
        );
      for (const name of [
        'SLACK_CLIENT_ID',
        'SLACK_CLIENT_SECRET',
        'SLACK_SIGNING_SECRET',
        'SLACK_STATE_SECRET',
        'KPI_ENCRYPTION_KEY',
      ] as const) {
        if (!cfg[name])
          lines.push(
            `${name} must be set for OAuth install (SLACK_CLIENT_ID or SLACK_CLIENT_SECRET is set) (example: ${name}=${VARIABLES[name].example})`,
          );
      }
    } else if (!cfg.SLACK_BOT_TOKEN && (cfg.SLACK_SIGNING_SECRET || cfg.SLACK_APP_TOKEN)) {
      lines.push(
        'SLACK_BOT_TOKEN must be set when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is; unset them all for local mode (example: SLACK_BOT_TOKEN=xoxb-1234-5678-abcdef)',
      );
    }
  }
  if (lines.length > 0) throw new ConfigError(lines);
  const slackMode: TSlackMode = cfg.SLACK_CLIENT_ID
    ? 'oauth'
    : !cfg.SLACK_BOT_TOKEN
      ? 'local'
      : cfg.SLACK_APP_TOKEN
        ? 'socket'
        : 'http';
  return { ...cfg, slackMode };
}

/** The names of every variable the bot reads (docs/configuration.md documents each). */
export const CONFIG_VARIABLES = Object.keys(VARIABLES) as (keyof TVariables)[];
