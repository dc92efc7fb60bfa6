import type { App } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';
import { kpiCommand } from './kpi.js';

export function register(app: App, deps: TSlackDeps): void {
  app.command('/kpi', kpiCommand(deps));
}
