import type { KnownBlock } from '@slack/types';
import { funnelChart } from '../charts/specs.js';
import { oneLine } from '../reports/format.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { clipMrkdwn, clipPlainText, LIMITS, mrkdwnSections } from './blocks.js';
import { escapeMrkdwn } from './help.js';
import { personJson, plain, table, toJson, wrap } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

type TBottleneck = {
  stage: string;
  reason: 'conversion' | 'dwell';
  rep: number;
  team: number;
  sample: number;
};

const pct = (x: number) => `${Math.round(x * 100)}%`;
const days = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} days`;

/** The funnel of a report: per stage (in funnel order) open deals, the share that went further, the dwell. */
function funnelOf(report: TRepMetricsReport) {
  const open = (report.metrics['funnel.open_by_stage'] ?? {}) as Record<string, number>;
  const conversion = (report.metrics['funnel.stage_conversion'] ?? {}) as Record<string, number | null>;
  const dwell = (report.metrics['funnel.median_days_in_stage'] ?? {}) as Record<string, number | null>;
  const stages = Object.keys(open).map((stage) => ({
    stage,
    open: open[stage] ?? 0,
    conversion: conversion[stage] ?? null,
    medianDays: dwell[stage] ?? null,
  }));
  const bottleneck = (report.metrics['funnel.bottleneck'] ?? null) as TBottleneck | null;
  return { stages, bottleneck };
}

/** The bottleneck in words, each name passed through `name` (escaped for Slack, or as written for a terminal). */
function bottleneckSentence(b: TBottleneck | null, name: (s: string) => string): string {
  if (!b) return 'No bottleneck: no stage is clearly behind the team (or too few deals to say).';
  return b.reason === 'conversion'
    ? `Bottleneck: ${name(b.stage)}: ${pct(b.rep)} of deals go further, against ${pct(b.team)} for the team (${b.sample} deals). Review how these deals are qualified and followed up.`
    : `Bottleneck: ${name(b.stage)}: deals stay ${days(b.rep)}, against ${days(b.team)} for the team (${b.sample} deals). Look at what stalls them there.`;
}

/** Open deals are read at the period's end: "now" only for the current period. */
const openWhen = (report: TRepMetricsReport) => (report.periodEnded ? 'open at period end' : 'open now');

/**
 * A period with closed deals but no stage moves says why conversion and dwell are empty (instead of a column of
 * "no deals entered · no exits" under a month of wins). Null when some stage has figures.
 */
function noHistoryNote(report: TRepMetricsReport): string | null {
  const conversion = (report.metrics['funnel.stage_conversion'] ?? {}) as Record<string, number | null>;
  const dwell = (report.metrics['funnel.median_days_in_stage'] ?? {}) as Record<string, number | null>;
  if ([...Object.values(conversion), ...Object.values(dwell)].some((v) => v != null)) return null;
  const won = Number(report.metrics['sales.won_count'] ?? 0) || 0;
  const lost = Number(report.metrics['opportunities.lost'] ?? 0) || 0;
  if (won + lost === 0) return null;
  const closed = [
    won ? `${won.toLocaleString('en-US')} won` : '',
    lost ? `${lost.toLocaleString('en-US')} lost` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${closed} in ${report.period.label}, but no stage moves were recorded for these deals, so there is no conversion or time in stage (an import with only each deal's current stage has no history; CRM webhooks record every move).`;
}

/**
 * Deals that were open at the period's end in a stage not known (no stage history, closed since): counted apart,
 * so "0 open" never stands for "not known". Null when there are none.
 */
function unknownStageNote(report: TRepMetricsReport): string | null {
  const n = Number(report.metrics['funnel.open_stage_unknown'] ?? 0) || 0;
  if (n === 0) return null;
  return `${n.toLocaleString('en-US')} more ${n === 1 ? 'deal was' : 'deals were'} open at the end of ${report.period.label} in a stage not known: ${n === 1 ? 'it has' : 'they have'} no stage history and ${n === 1 ? 'has' : 'have'} closed since, so ${n === 1 ? 'it is' : 'they are'} not counted above.`;
}

const titleOf = (report: TRepMetricsReport) =>
  `Funnel · ${oneLine(report.rep.name)} · ${report.period.label}`;

/** `/kpi funnel`: the Block Kit: one line per stage, then the bottleneck. */
export function funnelBlocks(report: TRepMetricsReport): KnownBlock[] {
  const { stages, bottleneck } = funnelOf(report);
  const note = noHistoryNote(report);
  const lines = stages.map((s) =>
    note
      ? `*${escapeMrkdwn(s.stage)}* · ${s.open} ${openWhen(report)}`
      : `*${escapeMrkdwn(s.stage)}* · ${s.open} ${openWhen(report)} · ${s.conversion == null ? 'no deals entered' : `${pct(s.conversion)} went further`} · ${s.medianDays == null ? 'no exits' : `${days(s.medianDays)} in stage`}`,
  );
  if (lines.length === 0) lines.push('No funnel stages yet: no open deals or stage history.');
  const unknown = unknownStageNote(report);
  if (unknown) lines.push(escapeMrkdwn(unknown));
  if (note) lines.push(escapeMrkdwn(note));
  return [
    { type: 'header', text: { type: 'plain_text', text: clipPlainText(titleOf(report), LIMITS.header) } },
    ...mrkdwnSections(lines, {
      maxBlocks: LIMITS.blocks - 2,
      more: (n) => `…and ${n} more ${n === 1 ? 'stage' : 'stages'}`,
    }),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clipMrkdwn(bottleneckSentence(bottleneck, (s) => `*${escapeMrkdwn(s)}*`)),
        },
      ],
    },
  ];
}

/** A longer stage name goes on a line of its own above its figures, so a row fits 80 columns. */
const STAGE_CELLS = 40;

/** The funnel for a terminal: a table of the stages (open, went further, days in stage), the bottleneck. */
export function funnelText(report: TRepMetricsReport): string {
  const { stages, bottleneck } = funnelOf(report);
  const note = noHistoryNote(report);
  const unknown = unknownStageNote(report);
  const rows = stages.map((s) => [
    plain(s.stage),
    String(s.open),
    s.conversion == null ? '-' : pct(s.conversion),
    s.medianDays == null ? '-' : days(s.medianDays),
  ]);
  return [
    `Funnel · ${plain(report.rep.name)} · ${report.period.label}`,
    ...(rows.length
      ? table(
          [['stage', openWhen(report), 'went further', 'in stage'], ...rows],
          ['left', 'right', 'right', 'right'],
          { column: 0, max: STAGE_CELLS },
        )
      : ['No funnel stages yet: no open deals or stage history.']),
    ...(unknown ? wrap(plain(unknown)) : []),
    ...(note ? wrap(plain(note)) : []),
    ...wrap(bottleneckSentence(bottleneck, plain)),
  ].join('\n');
}

/**
 * The funnel as data: the stages in funnel order (open deals at the period's end, or now for the current one;
 * the share that went further as a fraction; the median days in stage; null for no data), when the open deals
 * were counted (`openAt`), and the bottleneck or null.
 */
export function funnelJson(report: TRepMetricsReport): TReplyData {
  const { stages, bottleneck } = funnelOf(report);
  return {
    type: 'funnel',
    rep: personJson(report.rep),
    period: toJson(report.period),
    openAt: report.periodEnded ? 'period_end' : 'now',
    openStageUnknown: Number(report.metrics['funnel.open_stage_unknown'] ?? 0) || 0,
    stages: stages.map((s) => toJson(s)),
    bottleneck: toJson(bottleneck),
  };
}

/** `/kpi funnel`: per stage, open deals (at the period's end), the share that went further, the dwell; the bottleneck. */
export function buildFunnel(report: TRepMetricsReport): TReply {
  const { bottleneck } = funnelOf(report);
  const chart = funnelChart(report);
  return {
    text: escapeMrkdwn(
      `${titleOf(report)}: ${bottleneck ? `bottleneck ${bottleneck.stage}` : 'no bottleneck'}`,
    ),
    blocks: funnelBlocks(report),
    terminal: funnelText(report),
    data: funnelJson(report),
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}
