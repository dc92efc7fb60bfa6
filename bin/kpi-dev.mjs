#!/usr/bin/env node
// The `kpi` command on the TypeScript sources, through tsx: for development and the tests (`npm run dev --`).
// Production runs the compiled build instead (bin/kpi.mjs).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
