import type { TCanonicalEvent, TOwner } from '../events.js';

/**
 * CSV import layouts: for each kind, the canonical columns (docs/ingestion.md) and how a row becomes a
 * canonical event. Presets map a known export's columns onto them.
 */

export const IMPORT_KINDS = [
  'deals',
  'reps',
  'activities',
  'leads',
  'customers',
  'social-snapshots',
  'social-posts',
  'training',
  'targets',
] as const;
export type TImportKind = (typeof IMPORT_KINDS)[number];

type TRow = Record<string, string | undefined>;

/** The canonical columns of each kind; the first ones listed are required. */
export const COLUMNS: Record<TImportKind, { required: string[]; optional: string[] }> = {
  deals: {
    required: ['deal_id'],
    optional: [
      'owner',
      'owner_id',
      'title',
      'account',
      'product',
      'amount',
      'currency',
      'stage',
      'status',
      'opened_at',
      'closed_at',
      'lost_reason',
      'pipeline',
    ],
  },
  reps: { required: ['name'], optional: ['email', 'slack_user_id', 'role', 'manager', 'team'] },
  activities: {
    required: ['activity_id', 'owner', 'kind', 'occurred_at'],
    optional: ['owner_id', 'count', 'personalized', 'subject', 'deal_id', 'recording_url'],
  },
  leads: {
    required: ['lead_id'],
    optional: ['owner', 'owner_id', 'name', 'email', 'mql_at', 'converted_at'],
  },
  customers: {
    required: ['customer_id', 'won_at'],
    optional: ['owner', 'owner_id', 'name', 'deal_id', 'churned_at'],
  },
  'social-snapshots': { required: ['owner', 'metric', 'value', 'at'], optional: ['network'] },
  'social-posts': {
    required: ['owner', 'post_id', 'posted_at'],
    optional: ['network', 'shares', 'comments', 'likes'],
  },
  training: { required: ['owner', 'course', 'score', 'at'], optional: ['kind', 'max_score', 'result_id'] },
  // Not facts but targets (ingest/csv/targets.ts): rep is the rep, or the manager of a team; period the kind.
  targets: { required: ['scope', 'metric', 'amount', 'from'], optional: ['rep', 'period'] },
};

export type TPreset = {
  kind: TImportKind;
  description: string;
  map: Record<string, string>;
  /**
   * The export's funnel order, first to last (open stages only), where it is known: an import with the preset
   * sets the workspace's `funnelStages` when it has none, since the rows of such an export carry no stage history
   * to learn the order from.
   */
  stages?: string[];
};

/** Presets for the public "CRM sales opportunities" export (sales_pipeline.csv, sales_teams.csv). */
export const PRESETS: Record<string, TPreset> = {
  sales_pipeline: {
    kind: 'deals',
    description:
      'sales_pipeline.csv: opportunity_id, sales_agent, product, account, deal_stage, engage_date, close_date, close_value',
    map: {
      opportunity_id: 'deal_id',
      sales_agent: 'owner',
      product: 'product',
      account: 'account',
      deal_stage: 'stage',
      engage_date: 'opened_at',
      close_date: 'closed_at',
      close_value: 'amount',
    },
    stages: ['Prospecting', 'Engaging'],
  },
  sales_teams: {
    kind: 'reps',
    description: 'sales_teams.csv: sales_agent, manager, regional_office',
    map: { sales_agent: 'name', manager: 'manager', regional_office: 'team' },
  },
};

/** A cell that names a person: an email, or a name. */
function ownerOf(row: TRow, source: string): TOwner | undefined {
  const id = row.owner_id;
  const who = row.owner;
  if (!id && !who) return undefined;
  const o: TOwner = {};
  if (id) Object.assign(o, { id, source });
  if (who?.includes('@')) o.email = who;
  else if (who) o.name = who;
  return o;
}

function num(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/,/g, ''));
  return Number.isFinite(n) && /^-?[\d,]*\.?\d+(e\d+)?$/i.test(v) ? n : v;
}

/** Amounts keep their decimal text (exact); "1,234.50" and "$1,234.50" are accepted. */
function amount(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.replace(/^[$€£¥]\s*/, '').replace(/,(?=\d{3}\b)/g, '');
}

function bool(v: string | undefined): boolean | string | undefined {
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (['yes', 'y', 'true', '1', 'personalized', 'personalised'].includes(l)) return true;
  if (['no', 'n', 'false', '0', 'generic'].includes(l)) return false;
  return v;
}

/** Won and lost stages are recognised by name when no status column says it. */
function statusOf(row: TRow): string | undefined {
  if (row.status) return row.status.toLowerCase();
  const s = row.stage?.toLowerCase().replace(/[\s_-]+/g, '');
  if (!s) return undefined;
  if (s === 'won' || s === 'closedwon') return 'won';
  if (s === 'lost' || s === 'closedlost') return 'lost';
  return 'open';
}

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A row (canonical column names, empty cells removed) as the canonical event to validate. */
export function rowToEvent(
  kind: Exclude<TImportKind, 'targets'>,
  row: TRow,
  source: string,
): Record<string, unknown> {
  const owner = ownerOf(row, source);
  switch (kind) {
    case 'deals': {
      const status = statusOf(row);
      return defined({
        type: 'deal.upserted',
        dealId: row.deal_id,
        owner,
        title: row.title,
        account: row.account,
        product: row.product,
        amount: amount(row.amount),
        currency: row.currency,
        stage: row.stage ?? status,
        status,
        openedAt: row.opened_at ?? null,
        closedAt: status === 'open' ? null : row.closed_at,
        lostReason: row.lost_reason,
        pipeline: row.pipeline,
      });
    }
    case 'reps':
      return defined({
        type: 'rep.upserted',
        name: row.name,
        email: row.email,
        slackUserId: row.slack_user_id,
        role: row.role?.toLowerCase(),
        manager: row.manager,
        team: row.team,
      });
    case 'activities':
      return defined({
        type: 'activity.logged',
        activityId: row.activity_id,
        owner,
        kind: row.kind?.toLowerCase(),
        count: num(row.count),
        personalized: bool(row.personalized),
        // `at` too, so a newer export can correct the time of an activity already imported.
        at: row.occurred_at,
        occurredAt: row.occurred_at,
        subject: row.subject,
        dealId: row.deal_id,
        recordingUrl: row.recording_url,
      });
    case 'leads':
      return defined({
        type: 'lead.upserted',
        leadId: row.lead_id,
        owner,
        name: row.name,
        email: row.email,
        mqlAt: row.mql_at ?? null,
        convertedAt: row.converted_at ?? null,
      });
    case 'customers':
      return defined({
        type: 'customer.won',
        customerId: row.customer_id,
        owner,
        name: row.name,
        dealId: row.deal_id,
        wonAt: row.won_at,
        occurredAt: row.won_at,
        churnedAt: row.churned_at ?? null,
      });
    case 'social-snapshots':
      return defined({
        type: 'social.snapshot',
        owner,
        network: row.network?.toLowerCase(),
        metric: row.metric?.toLowerCase(),
        value: num(row.value),
        occurredAt: row.at,
      });
    case 'social-posts':
      return defined({
        type: 'social.post',
        owner,
        network: row.network?.toLowerCase(),
        postId: row.post_id,
        occurredAt: row.posted_at,
        shares: num(row.shares),
        comments: num(row.comments),
        likes: num(row.likes),
      });
    case 'training':
      return defined({
        type: 'training.result',
        owner,
        resultId: row.result_id,
        course: row.course,
        kind: row.kind?.toLowerCase(),
        score: num(row.score),
        maxScore: num(row.max_score),
        occurredAt: row.at,
      });
  }
}

/** Which canonical column an event field came from (to name the column of a bad cell). */
export const FIELD_TO_COLUMN: Record<string, string> = {
  dealId: 'deal_id',
  activityId: 'activity_id',
  leadId: 'lead_id',
  customerId: 'customer_id',
  postId: 'post_id',
  resultId: 'result_id',
  owner: 'owner',
  openedAt: 'opened_at',
  closedAt: 'closed_at',
  lostReason: 'lost_reason',
  occurredAt: 'occurred_at / at',
  mqlAt: 'mql_at',
  convertedAt: 'converted_at',
  wonAt: 'won_at',
  churnedAt: 'churned_at',
  slackUserId: 'slack_user_id',
  maxScore: 'max_score',
  recordingUrl: 'recording_url',
};

export type { TCanonicalEvent };
