import { type ChildProcess, spawn } from 'node:child_process';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from './child.js';
import { until } from './wait.js';
import { GENERIC_SECRET } from './webhooks.js';

/**
 * Bot processes (`kpi start`) for tests that kill or multiply them. Each resolves once it logs that it is
 * listening; `killAll` (in afterEach) ends whatever is left.
 */
export function botProcesses() {
  const children: ChildProcess[] = [];
  /** `kpi start` in a child process; resolves with its port once it logs that it is listening. */
  async function startBotProcess(databaseUrl: string, deadline: number, extra: Record<string, string> = {}) {
    const env = cleanEnv({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      KPI_WEBHOOK_SECRET: GENERIC_SECRET,
      ...extra,
    });
    const child = spawn(process.execPath, [KPI_BIN, 'start'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const port = await new Promise<number>((resolve, reject) => {
      const guard = setTimeout(
        () => reject(new Error(`no listening line before the test's deadline: ${stderr}`)),
        Math.max(0, deadline - Date.now()),
      );
      let listening = false;
      child.stderr?.on('data', (d) => {
        stderr += d;
        const m = listening ? null : /"port":(\d+).*KPI Bot is listening/.exec(stderr);
        if (m) {
          listening = true;
          clearTimeout(guard);
          resolve(Number(m[1]));
        }
      });
      // A process that dies at start-up fails the test at once, with what it said.
      child.once('exit', (code, signal) => {
        clearTimeout(guard);
        reject(new Error(`kpi start exited (${code ?? signal}) before listening: ${stderr}`));
      });
    });
    return { child, baseUrl: `http://127.0.0.1:${port}`, exited, log: () => stderr };
  }
  return {
    startBotProcess,
    killAll() {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
}

export type TBotProcess = Awaited<ReturnType<ReturnType<typeof botProcesses>['startBotProcess']>>;

/**
 * Polls until `check` holds. The deadline is a failure guard only; `alive` (a process the condition depends
 * on) fails the wait at once if that process died.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  deadline: number,
  opts: { pollMs?: number; alive?: TBotProcess } = {},
) {
  await until(
    what,
    async () => {
      const p = opts.alive;
      if (p && (p.child.exitCode !== null || p.child.signalCode !== null))
        throw new Error(`kpi start exited while waiting for ${what}: ${p.log()}`);
      return check();
    },
    { deadline, pollMs: opts.pollMs ?? 100 },
  );
}
