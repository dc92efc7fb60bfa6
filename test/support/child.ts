import { fileURLToPath } from 'node:url';

/** The `kpi` command on the sources (through tsx, so a test sees the working tree) and the project root. */
export const KPI_BIN = fileURLToPath(new URL('../../bin/kpi-dev.mjs', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment of a fresh shell: none of the bot's variables unless a test adds them. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(SLACK_|KPI_|HUBSPOT_|PIPEDRIVE_|DATABASE_URL|PORT|HOST|LOG_LEVEL)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}
