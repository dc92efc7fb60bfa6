import { ADMIN_COMMANDS } from './admin-commands.js';
import { exportCommand } from './export-command.js';
import { LOG_COMMANDS } from './log-commands.js';
import { METRIC_COMMANDS } from './metrics-commands.js';
import { notifyCommand } from './notify-command.js';
import { PEOPLE_COMMANDS } from './people-commands.js';
import { targetCommand } from './target-commands.js';
import type { TCommand } from './types.js';

/** Every `/kpi` sub-command beyond help, in the order help lists them. */
export const COMMANDS: TCommand[] = [
  ...METRIC_COMMANDS,
  ...PEOPLE_COMMANDS,
  ...LOG_COMMANDS,
  targetCommand,
  notifyCommand,
  ...ADMIN_COMMANDS,
  exportCommand,
];
