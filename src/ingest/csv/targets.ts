import { isAppError } from '../../errors.js';
import type { TCalendar } from '../../metrics/periods.js';
import {
  isTargetProblem,
  managesNobody,
  type TTargetField,
  targetAmount,
  targetMetric,
  targetPeriodKind,
  targetStart,
} from '../../metrics/target-input.js';
import { countReportsOf, findRep } from '../../store/reps.js';
import type { TDb } from '../../store/store.js';
import { replaceTarget, type TTargetWrite } from '../../store/target-imports.js';

/**
 * The `targets` CSV kind (docs/ingestion.md): one target a row, read and checked as `/kpi target set` reads
 * them (metrics/target-input.ts), stored as `--from` stores them: a row for the same scope, person, metric,
 * period kind and first period replaces the one before, so importing a file again changes nothing.
 */

/** A cell echoed in a reason: control and format characters left out, at most 80 characters. */
const shown = (cell: string) => {
  const clean = cell.replace(/[\p{Cc}\p{Cf}]/gu, '');
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
};

/** The scope column's words: a rep, a manager's team, everyone. */
const SCOPES: Record<string, 'rep' | 'team' | 'workspace'> = {
  rep: 'rep',
  team: 'team',
  everyone: 'workspace',
  workspace: 'workspace',
  all: 'workspace',
};

/** The CSV column of each input field a problem concerns. */
const COLUMN_OF: Record<TTargetField | 'scope' | 'rep', string> = {
  scope: 'scope',
  rep: 'rep',
  metricId: 'metric',
  amount: 'amount',
  period: 'period',
  from: 'from',
};

export type TTargetRowProblem = { line: number; column: string; reason: string };

export type TTargetImportContext = {
  workspace: { id: string; currency: string };
  calendar: TCalendar;
  now: Date;
  dryRun: boolean;
  /** Reps already looked up in this import, by the cell that named them (lower case). */
  reps: Map<string, TRepFound | string>;
  /**
   * A dry run's targets so far, by scope, person, metric, period kind and start, with their amount: a later row
   * for the same target is counted as a real import would find it (updated or unchanged), not created again.
   */
  dryRunSeen: Map<string, number>;
};

/**
 * Imports a batch of target rows (canonical column names): each good row stored (or, in a dry run, counted),
 * each bad one reported with its line, column and reason; a bad row stores nothing and stops no other.
 */
export async function importTargetRows(
  db: TDb,
  rows: { line: number; row: Record<string, string | undefined> }[],
  ctx: TTargetImportContext,
  count: (outcome: TTargetWrite) => void,
  problem: (p: TTargetRowProblem) => void,
): Promise<void> {
  for (const { line, row } of rows) {
    const bad = (field: keyof typeof COLUMN_OF, reason: string) =>
      problem({ line, column: COLUMN_OF[field], reason });
    const scope = SCOPES[(row.scope ?? '').trim().toLowerCase()];
    if (!scope) {
      bad(
        'scope',
        `"${shown(row.scope ?? '')}" is not a scope: say rep, team (a manager's team) or everyone.`,
      );
      continue;
    }
    let repId: string | null = null;
    const who = row.rep?.trim();
    if (scope === 'workspace') {
      if (who) {
        bad('rep', `a target for everyone names nobody; leave rep empty or say scope rep or team.`);
        continue;
      }
    } else {
      if (!who) {
        bad('rep', scope === 'rep' ? 'say the rep.' : 'say the manager whose team it is.');
        continue;
      }
      const found = await repOf(db, ctx, who);
      if (typeof found === 'string') {
        bad('rep', found);
        continue;
      }
      if (scope === 'team' && !found.manages) {
        bad('rep', managesNobody(shown(found.name)));
        continue;
      }
      repId = found.id;
    }
    const metric = targetMetric(row.metric ?? '');
    if (isTargetProblem(metric)) {
      bad(metric.problem.field, metric.problem.message);
      continue;
    }
    const amount = targetAmount(metric, row.amount ?? '', ctx.workspace.currency);
    if (isTargetProblem(amount)) {
      bad(amount.problem.field, amount.problem.message);
      continue;
    }
    const kind = row.period === undefined ? 'month' : targetPeriodKind(row.period);
    if (!kind) {
      bad('period', `"${shown(row.period ?? '')}" is not week, month, quarter or year.`);
      continue;
    }
    const first = targetStart(kind, row.from, ctx.now, ctx.calendar);
    if (isTargetProblem(first)) {
      bad(first.problem.field, first.problem.message);
      continue;
    }
    const target = {
      workspaceId: ctx.workspace.id,
      scope,
      repId,
      metricId: metric.id,
      periodKind: kind,
      amount: amount.stored,
      effectiveFrom: first.start,
      setBySlackId: null,
    };
    if (ctx.dryRun) {
      const seen = ctx.dryRunSeen;
      const key = JSON.stringify([scope, repId, metric.id, kind, first.start.toISOString()]);
      const before = seen.get(key);
      seen.set(key, amount.stored);
      if (before !== undefined) {
        count(before === amount.stored ? 'unchanged' : 'updated');
        continue;
      }
    }
    count(await replaceTarget(db, target, { dryRun: ctx.dryRun }));
  }
}

/** A rep a cell named: `manages`, whether anyone active reports to them (a team target needs someone). */
export type TRepFound = { id: string; name: string; manages: boolean };

/** The rep a cell names (Slack user id, email or name), or why none. */
async function repOf(db: TDb, ctx: TTargetImportContext, who: string): Promise<TRepFound | string> {
  const key = who.toLowerCase();
  const known = ctx.reps.get(key);
  if (known !== undefined) return known;
  let found: TRepFound | string;
  try {
    const rep = await findRep(db, ctx.workspace.id, who);
    found = rep
      ? {
          id: rep.id,
          name: rep.name,
          manages: (await countReportsOf(db, ctx.workspace.id, rep.id, { activeOnly: true })) > 0,
        }
      : `nobody called ${shown(who)} is a rep here (import reps first: kpi import reps <team.csv>).`;
  } catch (error) {
    // A name several people have: the store's refusal says to use an email or a Slack user id.
    if (!isAppError(error)) throw error;
    found = error.message;
  }
  ctx.reps.set(key, found);
  return found;
}
