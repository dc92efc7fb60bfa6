/**
 * Polls `check` until it holds and returns at once when it does. The deadline is a failure guard only (it ends a
 * stuck test with `what`), never a wait: nothing here decides a result by how long something took.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: { deadline?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = opts.deadline ?? Date.now() + 20_000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} at the test's deadline`);
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 20));
  }
}
