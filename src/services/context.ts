import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';

/** Who is asking: a Slack user (or the local shell's chosen person). */
export type TActor = {
  slackUserId?: string;
  repId?: string;
  name: string;
  /** An admin or owner of the Slack workspace (users.info): a KPI Bot admin too. */
  workspaceAdmin?: boolean;
};

/**
 * What every service is given, whatever the transport (a slash command, a modal, the shell, the CLI, a job):
 * the workspace, who is asking, the time (injected, never read from the wall clock inside a service), the store
 * and the logger.
 */
export type TServiceContext = {
  workspace: Workspace;
  actor: TActor;
  now: Date;
  store: TStore;
  logger: TLogger;
  /** Told after a service added facts (App Home dashboards refresh). */
  onFactsChanged?: (workspaceId: string) => void;
};
