import { z } from 'zod';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { repMetricsReport } from '../reports/rep-metrics.js';
import { teamMetricsReport } from '../reports/team-metrics.js';
import { countReportsOf } from '../store/reps.js';
import type { TServiceContext } from './context.js';
import { inputOf, ServiceError } from './errors.js';
import { actorRep, isAdmin, NOT_A_REP } from './permissions.js';

/**
 * A CSV cell: quoted when it holds a separator (comma, or the semicolon and tab that other locales' spreadsheets
 * split on), a quote or a line break; and never a formula a spreadsheet would run: text starting with =, +, -,
 * @, a tab or a CR, also after leading spaces, gets a leading apostrophe.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[\s\u00a0]*[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\t\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const IDS = SCALAR_METRICS.map((m) => m.id);

const ZExport = z.object({ period: z.string().max(200, { error: 'That period is too long.' }).default('') });

/** Whose rows an export holds: the asker's own, their team's (a manager), or everyone's (an admin). */
export type TExportScope = 'you' | 'team' | 'everyone';

export type TMetricsExport = {
  scope: TExportScope;
  period: { key: string; label: string };
  /** Rows in the file (people). */
  rows: number;
  filename: string;
  title: string;
  /** The CSV: a header of metric ids, one row per person; money in major units, rates as fractions. */
  csv: string;
};

/**
 * The metrics of a period as CSV: the asker's own row; a manager's team's rows; an admin's: everyone's. Money in
 * major units of the workspace currency, rates as fractions, empty for no data.
 */
export async function exportMetrics(ctx: TServiceContext, raw: { period?: string }): Promise<TMetricsExport> {
  const { period } = inputOf(ZExport, raw);
  const me = await actorRep(ctx);
  const admin = isAdmin(ctx, me);
  if (!me && !admin) throw new ServiceError('not_found', NOT_A_REP);
  const reports = me ? await countReportsOf(ctx.store.db, ctx.workspace.id, me.id, { activeOnly: true }) : 0;
  let rows: { name: string; metrics: Record<string, unknown> }[];
  let shown: { key: string; label: string };
  if (admin || reports > 0) {
    const team = await teamMetricsReport(ctx.store.db, ctx.workspace, admin ? null : me, period, ctx.now);
    rows = team.byRep;
    shown = { key: team.period.key, label: team.period.label };
  } else {
    const own = await repMetricsReport(
      ctx.store.db,
      ctx.workspace,
      me as NonNullable<typeof me>,
      period,
      ctx.now,
    );
    rows = [{ name: own.rep.name, metrics: own.metrics }];
    shown = { key: own.period.key, label: own.period.label };
  }
  const lines = [
    ['rep', 'period', ...IDS].join(','),
    ...rows.map((r) =>
      [
        csvCell(r.name),
        csvCell(shown.key),
        ...IDS.map((id) => csvCell(typeof r.metrics[id] === 'number' ? r.metrics[id] : null)),
      ].join(','),
    ),
  ];
  return {
    scope: admin ? 'everyone' : reports > 0 ? 'team' : 'you',
    period: shown,
    rows: rows.length,
    filename: `kpi-${shown.key}.csv`,
    title: `KPI metrics, ${shown.label}`,
    csv: `${lines.join('\n')}\n`,
  };
}
