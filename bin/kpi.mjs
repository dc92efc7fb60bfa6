#!/usr/bin/env node
// The `kpi` command: runs the compiled build in dist/ (`npm run build`, also run by `npm install`).
// Development runs the TypeScript sources instead: `npm run dev -- <command>` (bin/kpi-dev.mjs, through tsx).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'kpi: the compiled build is missing (dist/cli/main.js). Run `npm run build` (npm install runs it too),\n' +
      'or `npm run dev -- <command>` to run the TypeScript sources.\n',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
