import { oneLine } from '../reports/format.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { escapeMrkdwn } from './help.js';
import type { TReply } from './types.js';

/** `/kpi why`: the decline diagnosis of a scorecard in plain words, under a header naming whom and when. */
export function buildWhy(report: Pick<TRepMetricsReport, 'rep' | 'period' | 'diagnosis'>): TReply {
  const d = report.diagnosis;
  const verdict =
    d.verdict === 'declining'
      ? 'Declining'
      : d.verdict === 'not_declining'
        ? 'No decline'
        : 'Not enough history yet';
  return {
    text: escapeMrkdwn(`${report.rep.name}, ${report.period.label}: ${verdict}. ${d.explanation}`),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `Why · ${oneLine(report.rep.name)} · ${report.period.label}`.slice(0, 150),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${verdict}.* ${escapeMrkdwn(d.explanation)}`.slice(0, 3000) },
      },
    ],
    visibility: 'ephemeral',
  };
}
