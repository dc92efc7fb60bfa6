import Database from 'better-sqlite3';

/** A statement the SQLite driver ran, with SQLite's plan for it with the values it was bound to. */
export type TPlanned = { sql: string; plan: string[] };

let recording = false;

type TStatement = { bind: (...args: unknown[]) => TStatement };
type TPrepare = (this: Database.Database, sql: string) => TStatement;

/**
 * Runs `fn` and records every statement the SQLite driver (better-sqlite3, which Prisma's adapter uses) binds in
 * this process meanwhile, when `pick` takes its SQL: the plan comes from EXPLAIN QUERY PLAN on the same
 * connection with the same values, so it is the plan SQLite chose for that very run.
 */
export async function recordPlans<T>(
  fn: () => Promise<T>,
  pick: (sql: string) => boolean = (sql) => /^\s*(SELECT|WITH)/i.test(sql),
): Promise<{ result: T; plans: TPlanned[] }> {
  if (recording) throw new Error('recordPlans: already recording (one recording at a time in a process)');
  recording = true;
  const plans: TPlanned[] = [];
  const proto = Database.prototype as unknown as { prepare: TPrepare };
  const prepare = proto.prepare;
  proto.prepare = function (this: Database.Database, sql: string) {
    const stmt = prepare.call(this, sql);
    if (!pick(sql)) return stmt;
    const bind = stmt.bind.bind(stmt);
    stmt.bind = (...args: unknown[]) => {
      const explain = prepare.call(this, `EXPLAIN QUERY PLAN ${sql}`) as unknown as {
        bind: (...a: unknown[]) => { all: () => { detail: string }[] };
      };
      plans.push({
        sql,
        plan: explain
          .bind(...args)
          .all()
          .map((r) => r.detail),
      });
      return bind(...args);
    };
    return stmt;
  };
  try {
    return { result: await fn(), plans };
  } finally {
    proto.prepare = prepare;
    recording = false;
  }
}
