import { AppError } from '../errors.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { repMetricsReport } from '../reports/rep-metrics.js';
import { teamMetricsReport } from '../reports/team-metrics.js';
import { actorRep, isAdmin, NOT_A_REP } from '../services/permissions.js';
import { countReportsOf } from '../store/reps.js';
import { buildExportMade } from '../views/admin.js';
import type { TCommand } from './types.js';

/** A CSV cell: quoted when needed, and never a formula a spreadsheet would run (=, +, -, @ at the start). */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const IDS = SCALAR_METRICS.map((m) => m.id);

/**
 * `/kpi export [period]`: the metrics of a period as a CSV file: your own row; a manager's team's rows; an
 * admin's: everyone's. Money in major units of the workspace currency, rates as fractions, empty for no data.
 */
export const exportCommand: TCommand = {
  name: 'export',
  usage: 'export [period]',
  summary:
    'The metrics of a period as a CSV file (yours; your team’s for a manager; everyone’s for an admin).',
  examples: ['export', 'export last month', 'export 2017-Q2'],
  async run(args, ctx) {
    const me = await actorRep(ctx);
    const admin = isAdmin(ctx, me);
    if (!me && !admin) throw new AppError('not_found', NOT_A_REP);
    const period = args.join(' ');
    const reports = me
      ? await countReportsOf(ctx.store.db, ctx.workspace.id, me.id, { activeOnly: true })
      : 0;
    let label: string;
    let rows: { name: string; metrics: Record<string, unknown> }[];
    let key: string;
    if (admin || reports > 0) {
      const team = await teamMetricsReport(ctx.store.db, ctx.workspace, admin ? null : me, period, ctx.now);
      rows = team.byRep;
      label = team.period.label;
      key = team.period.key;
    } else {
      const own = await repMetricsReport(
        ctx.store.db,
        ctx.workspace,
        me as NonNullable<typeof me>,
        period,
        ctx.now,
      );
      rows = [{ name: own.rep.name, metrics: own.metrics }];
      label = own.period.label;
      key = own.period.key;
    }
    const lines = [
      ['rep', 'period', ...IDS].join(','),
      ...rows.map((r) =>
        [
          csvCell(r.name),
          csvCell(key),
          ...IDS.map((id) => csvCell(typeof r.metrics[id] === 'number' ? r.metrics[id] : null)),
        ].join(','),
      ),
    ];
    const filename = `kpi-${key}.csv`;
    return {
      ...buildExportMade(
        {
          scope: admin ? 'everyone' : reports > 0 ? 'team' : 'you',
          period: { key, label },
          rows: rows.length,
          filename,
        },
        ctx.workspace,
      ),
      file: { filename, title: `KPI metrics, ${label}`, content: `${lines.join('\n')}\n` },
    };
  },
};
