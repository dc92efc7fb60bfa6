import { closestMatch } from '../domain/closest.js';

/** What the CLI needs to know of a workspace to choose one. */
export type TWorkspaceEntry = { slackTeamId: string; name: string };

export type TWorkspaceChoice =
  | { use: string }
  /** The store holds no workspace: local mode's is created. */
  | { create: string }
  | { refuse: string };

/** One workspace as the CLI names it: its Slack team id, and its name when it has one. */
export function workspaceLabel(ws: TWorkspaceEntry, localTeamId: string): string {
  if (ws.name.trim()) return `${ws.slackTeamId} (${ws.name.trim()})`;
  return ws.slackTeamId === localTeamId ? `${ws.slackTeamId} (local mode)` : ws.slackTeamId;
}

/**
 * Which workspace a `kpi` command works on (docs/commands.md, "Which workspace"):
 * - `--workspace <id>`: that workspace, which must exist (a typo is refused, naming the known ones); only local
 *   mode's own workspace (`local`) is created when the store holds none.
 * - no `--workspace`: the only workspace of the store; local mode's, created, when the store holds none; with
 *   several, refused, listing them, so a command never reads an empty workspace by mistake.
 */
export function chooseWorkspace(
  known: readonly TWorkspaceEntry[],
  asked: string | undefined,
  localTeamId: string,
): TWorkspaceChoice {
  const sorted = [...known].sort((a, b) => a.slackTeamId.localeCompare(b.slackTeamId));
  const list = sorted.map((w) => workspaceLabel(w, localTeamId)).join(', ');
  if (asked !== undefined) {
    const id = asked.trim();
    if (sorted.some((w) => w.slackTeamId === id)) return { use: id };
    if (id === localTeamId && sorted.length === 0) return { create: id };
    if (sorted.length === 0)
      return {
        refuse: `no workspace "${id}" in this database: it holds none yet. Install KPI Bot in that Slack workspace first, or leave out --workspace to work in local mode's.`,
      };
    const near = closestMatch(
      id,
      sorted.map((w) => w.slackTeamId),
    );
    return {
      refuse: `no workspace "${id}" in this database${near ? ` (did you mean ${near}?)` : ''}. It holds: ${list}.`,
    };
  }
  if (sorted.length === 0) return { create: localTeamId };
  if (sorted.length === 1) return { use: (sorted[0] as TWorkspaceEntry).slackTeamId };
  return {
    refuse: `this database holds ${sorted.length} workspaces; say which with --workspace <Slack team id>: ${list}.`,
  };
}
