import { buildConfirmation, escapeMrkdwn } from './help.js';
import { plain } from './terminal.js';
import type { TReply } from './types.js';

/** A CRM owner linked to a rep, and how many earlier facts moved to them. */
export type TOwnerLinked = {
  source: string;
  owner: string;
  rep: { id: string; name: string };
  moved: number;
};

/** The confirmation in words, each value from people passed through `name` (escaped for Slack, isolated for a terminal). */
const linkedText = (r: TOwnerLinked, name: (s: string) => string) => {
  const linked = `Linked ${name(r.source)} ${name(r.owner)} to ${name(r.rep.name)}`;
  const moved =
    r.moved === 0
      ? `${linked}. No earlier facts were waiting for this owner`
      : `${linked}: ${r.moved.toLocaleString('en-US')} earlier ${r.moved === 1 ? 'fact is' : 'facts are'} now theirs`;
  return `${moved}; waiting events follow within seconds.`;
};

/** `/kpi link`: the link confirmed; as data the source, the owner as typed, the rep and the facts moved. */
export function buildOwnerLinked(r: TOwnerLinked): TReply {
  return buildConfirmation({
    mrkdwn: linkedText(r, escapeMrkdwn),
    plain: linkedText(r, plain),
    data: {
      type: 'owner_linked',
      source: r.source,
      owner: r.owner,
      rep: { id: r.rep.id, name: r.rep.name },
      moved: r.moved,
    },
  });
}

/** A CSV export made: whose rows (everyone's, a manager's team's, the asker's own), the period and the file. */
export type TExportMade = {
  scope: 'everyone' | 'team' | 'you';
  period: { key: string; label: string };
  rows: number;
  filename: string;
};

/**
 * `/kpi export`: the file's description (the file itself goes with the reply, TReply.file); as data the scope,
 * the period, the row count, the currency and the file's name.
 */
export function buildExportMade(r: TExportMade, workspace: { currency: string }): TReply {
  const who = r.scope === 'everyone' ? 'everyone' : r.scope === 'team' ? 'your team' : 'you';
  const words = `Metrics for ${who}, ${r.period.label}: ${r.rows} ${r.rows === 1 ? 'row' : 'rows'} (${workspace.currency}).`;
  return buildConfirmation({
    mrkdwn: escapeMrkdwn(words),
    plain: plain(words),
    data: {
      type: 'export',
      scope: r.scope,
      period: { key: r.period.key, label: r.period.label },
      rows: r.rows,
      currency: workspace.currency,
      filename: r.filename,
    },
  });
}
