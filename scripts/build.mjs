#!/usr/bin/env node
// `npm run build` (also the last step of `npm install`): compiles src/ to dist/ with tsc (tsconfig.build.json).
// A type error fails the build, so it never reaches a deploy. The output is written to dist.next/ and swapped
// in only when the compiler succeeded, so a failed build leaves the last good dist/ in place and a removed
// source file leaves nothing behind.
// --if-available (postinstall): an install without dev dependencies (npm ci --omit=dev) has no compiler;
// it keeps the dist/ it was shipped with and says so instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ifAvailable = process.argv.includes('--if-available');

let tsc;
try {
  tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  const message = 'typescript is not installed (an install without dev dependencies)';
  if (ifAvailable) {
    process.stdout.write(
      `kpi: ${message}; ${existsSync(join(root, 'dist')) ? 'keeping the existing dist/' : 'no dist/ yet: run `npm run build` where dev dependencies are installed'}\n`,
    );
    process.exit(0);
  }
  process.stderr.write(`kpi: ${message}; run npm install (with dev dependencies) first\n`);
  process.exit(1);
}

const next = join(root, 'dist.next');
rmSync(next, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(
    `kpi: the build failed (tsc exit ${result.status ?? result.signal}); dist/ is unchanged\n`,
  );
  process.exit(1);
}
const dist = join(root, 'dist');
const old = join(root, 'dist.old');
rmSync(old, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
process.stdout.write('kpi: built dist/\n');
