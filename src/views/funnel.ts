import type { KnownBlock } from '@slack/types';
import { funnelChart } from '../charts/specs.js';
import { oneLine } from '../reports/format.js';
import type { TRepMetricsReport } from '../reports/rep-metrics.js';
import { escapeMrkdwn } from './help.js';
import type { TReply } from './types.js';

type TBottleneck = {
  stage: string;
  reason: 'conversion' | 'dwell';
  rep: number;
  team: number;
  sample: number;
};

const pct = (x: number) => `${Math.round(x * 100)}%`;
const days = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} days`;

/** `/kpi funnel`: per stage, open deals now, the share that went further, the typical dwell; the bottleneck. */
export function buildFunnel(report: TRepMetricsReport): TReply {
  const open = (report.metrics['funnel.open_by_stage'] ?? {}) as Record<string, number>;
  const conversion = (report.metrics['funnel.stage_conversion'] ?? {}) as Record<string, number | null>;
  const dwell = (report.metrics['funnel.median_days_in_stage'] ?? {}) as Record<string, number | null>;
  const bottleneck = report.metrics['funnel.bottleneck'] as TBottleneck | null;
  const stages = Object.keys(open);
  const lines = stages.map((s) => {
    const c = conversion[s];
    const d = dwell[s];
    return `*${escapeMrkdwn(s)}* · ${open[s] ?? 0} open now · ${c == null ? 'no deals entered' : `${pct(c)} went further`} · ${d == null ? 'no exits' : `${days(d)} in stage`}`;
  });
  const why = bottleneck
    ? bottleneck.reason === 'conversion'
      ? `Bottleneck: *${escapeMrkdwn(bottleneck.stage)}*: ${pct(bottleneck.rep)} of deals go further, against ${pct(bottleneck.team)} for the team (${bottleneck.sample} deals). Review how these deals are qualified and followed up.`
      : `Bottleneck: *${escapeMrkdwn(bottleneck.stage)}*: deals stay ${days(bottleneck.rep)}, against ${days(bottleneck.team)} for the team (${bottleneck.sample} deals). Look at what stalls them there.`
    : 'No bottleneck: no stage is clearly behind the team (or too few deals to say).';
  const chart = funnelChart(report);
  const title = `Funnel · ${oneLine(report.rep.name)} · ${report.period.label}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: (lines.join('\n') || 'No funnel stages yet: no open deals or stage history.').slice(0, 3000),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: why.slice(0, 3000) }] },
  ];
  return {
    text: escapeMrkdwn(`${title}: ${bottleneck ? `bottleneck ${bottleneck.stage}` : 'no bottleneck'}`),
    blocks,
    visibility: 'ephemeral',
    ...(chart ? { chart } : {}),
  };
}
