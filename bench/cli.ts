// `npm run bench`: builds the bot (the measured processes run the compiled build, as production does), then
// runs the suite from here through tsx. Arguments after `--` go to runBench (see BENCH_USAGE).
import { runBench } from './main.js';

try {
  await runBench(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
