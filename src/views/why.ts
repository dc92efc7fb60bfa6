import type { KnownBlock } from '@slack/types';
import { oneLine } from '../reports/format.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { clipMrkdwn, clipPlainText, LIMITS } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { namesIn } from './scorecard.js';
import { personJson, plain, plainWithNames, toJson, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

type TWhyReport = Pick<TRepMetricsReport, 'rep' | 'period' | 'diagnosis'> &
  Partial<Pick<TRepMetricsReport, 'metrics'>>;

/**
 * The heading before the explanation. Without a verdict it names the rule that was not met in a few words; the
 * explanation after it gives the numbers and never repeats it.
 */
function verdictOf(report: TWhyReport): string {
  const d = report.diagnosis;
  if (d.verdict === 'declining') return 'Declining';
  if (d.verdict === 'not_declining') return 'No decline';
  return d.shortOf?.rule === 'usual_above_zero' ? 'No usual to compare with' : 'Not enough history yet';
}

/** `/kpi why`: the Block Kit: a header naming whom and when, the verdict and the diagnosis in plain words. */
export function whyBlocks(report: TWhyReport): KnownBlock[] {
  return [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipPlainText(`Why · ${oneLine(report.rep.name)} · ${report.period.label}`, LIMITS.header),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(`*${verdictOf(report)}.* ${escapeMrkdwn(report.diagnosis.explanation)}`),
      },
    },
  ];
}

/** The diagnosis for a terminal: whom and when, then the verdict and the explanation wrapped to 80 columns. */
export function whyText(report: TWhyReport): string {
  return [
    `Why · ${plain(report.rep.name)} · ${report.period.label}`,
    ...wrap(`${verdictOf(report)}. ${plainWithNames(report.diagnosis.explanation, namesIn(report))}`).map(
      plain,
    ),
  ].join('\n');
}

/** The diagnosis as data: the rep, the period and the diagnosis as computed (verdict, figures, explanation). */
export function whyJson(report: TWhyReport): TReplyData {
  return {
    type: 'why',
    rep: personJson(report.rep),
    period: toJson(report.period),
    diagnosis: toJson(report.diagnosis),
  };
}

/** `/kpi why`: the decline diagnosis of a scorecard in plain words, under a header naming whom and when. */
export function buildWhy(report: TWhyReport): TReply {
  return {
    text: escapeMrkdwn(
      `${report.rep.name}, ${report.period.label}: ${verdictOf(report)}. ${report.diagnosis.explanation}`,
    ),
    blocks: whyBlocks(report),
    terminal: whyText(report),
    data: whyJson(report),
    visibility: 'ephemeral',
  };
}
