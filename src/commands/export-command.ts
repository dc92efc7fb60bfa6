import { exportMetrics } from '../services/exports.js';
import { buildExportMade } from '../views/admin.js';
import type { TCommand } from './types.js';

export { csvCell } from '../services/exports.js';

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
    const made = await exportMetrics(ctx, { period: args.join(' ') });
    return {
      ...buildExportMade(made, ctx.workspace),
      file: { filename: made.filename, title: made.title, content: made.csv },
    };
  },
};
