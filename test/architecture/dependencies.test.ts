import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/child.js';

/**
 * The parts of src/ (a folder src/X/ or a file src/X.ts) depend on each other in one direction only: the order
 * written in docs/architecture.md ("Dependency direction"), where a part may import only the parts listed after
 * it. This reads every relative import in src/ (static, `export … from` and dynamic `import()`), so a new
 * import loop, an import against the direction, or a new part not placed in the order fails here.
 */
const SRC = join(PROJECT_ROOT, 'src');
const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return /\.(ts|mts)$/.test(e.name) ? [path] : [];
  });
}

function partOf(path: string): string {
  const rel = relative(SRC, path).split(sep);
  return rel.length > 1 ? (rel[0] as string) : (rel[0] as string).replace(/\.(ts|mts|js|mjs)$/, '');
}

/** Every import between two different parts: `from -> to` with the files that make it. */
function partEdges(files: { path: string; text: string }[]): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const { path, text } of files) {
    for (const m of text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(path), (m[1] ?? m[2]) as string));
      if (!target.startsWith(SRC + sep)) continue;
      const [a, b] = [partOf(path), partOf(target)];
      if (a === b || b === 'generated') continue;
      const key = `${a} -> ${b}`;
      edges.set(key, [...(edges.get(key) ?? []), relative(PROJECT_ROOT, path)]);
    }
  }
  return edges;
}

/** The parts in some cycle (Tarjan's strongly connected components of more than one part). */
function cycles(edges: Iterable<string>): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    const [a, b] = e.split(' -> ') as [string, string];
    graph.set(a, [...(graph.get(a) ?? []), b]);
    if (!graph.has(b)) graph.set(b, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      for (;;) {
        const w = stack.pop() as string;
        onStack.delete(w);
        part.push(w);
        if (w === v) break;
      }
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** The order from docs/architecture.md: the lines of its fenced `layers` block, top (entry points) first. */
function documentedOrder(): string[] {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'architecture.md'), 'utf8');
  const block = /```layers\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/architecture.md has no ```layers block');
  return (block[1] as string)
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((l) => l.split(/\s*,\s*/));
}

/** Any import specifier (relative or a package), static, `export … from` or dynamic. */
const ANY_IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/**
 * Files outside src/store/ that import Prisma or a generated client: only the store may (it exposes the row
 * types in store/types.ts and named queries per entity), so tenant scoping and the client type live in one
 * place. `file -> specifier` for each such import.
 */
function prismaImportsOutsideStore(files: { path: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    if (partOf(path) === 'store' || partOf(path) === 'generated') continue;
    for (const m of text.matchAll(ANY_IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      const generated =
        spec.startsWith('.') && normalize(join(dirname(path), spec)).startsWith(join(SRC, 'generated') + sep);
      if (generated || spec.startsWith('@prisma/') || spec === 'prisma' || spec.startsWith('prisma/')) {
        found.push(`${relative(PROJECT_ROOT, path)} -> ${spec}`);
      }
    }
  }
  return found;
}

/** Files still importing the generated client while other work moves them (none left). */
const NOT_YET_MOVED = new Set<string>([]);

/** The models' client properties (rep, dealStageChange …), from the generated client's model files. */
const MODELS = readdirSync(join(SRC, 'generated', 'sqlite', 'models'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.charAt(0).toLowerCase() + f.slice(1, -3));
const PRISMA_CALL = new RegExp(
  `\\.(?:${MODELS.join('|')})\\s*\\.\\s*(?:find\\w*|create\\w*|update\\w*|upsert|delete\\w*|count|aggregate|groupBy)\\s*\\(` +
    '|\\.\\$(?:transaction|queryRaw\\w*|executeRaw\\w*|connect|disconnect)\\b',
  'g',
);

/**
 * Calls of the Prisma client outside src/store/ (a model's query or write, a raw query, a transaction), also
 * when a chain spans lines: those go through the store's named functions, which name the workspace they
 * concern. `file:line` each.
 */
function prismaCallsOutsideStore(files: { path: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    if (partOf(path) === 'store' || partOf(path) === 'generated') continue;
    for (const m of text.matchAll(PRISMA_CALL)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`${relative(PROJECT_ROOT, path)}:${line}`);
    }
  }
  return found;
}

/** Files of work still in progress that call the Prisma client (none left: every call is in src/store/). */
const CALLS_NOT_YET_MOVED = new Set<string>([]);

const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const edges = partEdges(files);

describe('the dependency direction between the parts of src/', () => {
  it('has no import loop', () => {
    expect(
      cycles(edges.keys()).map((c) => c.join(', ')),
      'parts that import each other (directly or round a loop)',
    ).toEqual([]);
  });

  it('places every part in the documented order', () => {
    const order = documentedOrder();
    const parts = new Set([...files.map((f) => partOf(f.path))]);
    expect(
      [...parts].filter((p) => !order.includes(p)).sort(),
      'parts missing from docs/architecture.md',
    ).toEqual([]);
    expect(
      order.filter((p) => !parts.has(p)),
      'parts in docs/architecture.md that no longer exist',
    ).toEqual([]);
  });

  it('imports only downwards in that order', () => {
    const order = documentedOrder();
    const against = [...edges]
      .filter(([e]) => {
        const [a, b] = e.split(' -> ') as [string, string];
        return order.indexOf(a) >= order.indexOf(b);
      })
      .map(([e, where]) => `${e} (${[...new Set(where)].join(', ')})`);
    expect(against, 'imports against the documented direction').toEqual([]);
  });

  it('leaves Prisma and the generated clients to the store', () => {
    expect(
      prismaImportsOutsideStore(files).filter((f) => !NOT_YET_MOVED.has(f.split(' -> ')[0] as string)),
      'imports of Prisma or src/generated outside src/store/ (import the types from store/types.ts)',
    ).toEqual([]);
  });

  it('leaves the queries and writes to the store', () => {
    expect(
      prismaCallsOutsideStore(files).filter((f) => !CALLS_NOT_YET_MOVED.has(f.split(':')[0] as string)),
      'Prisma calls outside src/store/ (add a named function to the store, scoped by workspace)',
    ).toEqual([]);
  });

  it('the checks see a loop and an upward import when there is one', () => {
    // The same functions on a made-up pair of files: store importing commands closes a loop.
    const made = partEdges([
      { path: join(SRC, 'commands', 'a.ts'), text: "import { x } from '../store/b.js';" },
      {
        path: join(SRC, 'store', 'b.ts'),
        text: "export { y } from '../commands/a.js';\nawait import('../commands/c.js');",
      },
    ]);
    expect([...made.keys()].sort()).toEqual(['commands -> store', 'store -> commands']);
    expect(cycles(made.keys())).toEqual([['commands', 'store']]);
  });

  it('the check sees Prisma called outside the store', () => {
    const made = [
      { path: join(SRC, 'reports', 'a.ts'), text: 'const reps = await db.rep.findMany({ where: {} });' },
      {
        path: join(SRC, 'jobs', 'b.ts'),
        text: 'x;\nawait ctx.store.db.$transaction(async (tx) => {\n  await tx.dealStageChange\n    .create({});',
      },
      { path: join(SRC, 'slack', 'c.ts'), text: 'await deps.store.db.alertLog.update({ where: { id } });' },
      { path: join(SRC, 'store', 'd.ts'), text: 'return db.rep.findMany({ where: { workspaceId } });' },
      {
        path: join(SRC, 'views', 'e.ts'),
        text: 'const name = alert.rep.name; await repOfWorkspace(db, ws, id);',
      },
    ];
    expect(prismaCallsOutsideStore(made)).toEqual([
      'src/reports/a.ts:1',
      'src/jobs/b.ts:2',
      'src/jobs/b.ts:3',
      'src/slack/c.ts:1',
    ]);
  });

  it('the check sees Prisma imported outside the store', () => {
    const made = [
      {
        path: join(SRC, 'reports', 'a.ts'),
        text: "import type { Rep } from '../generated/sqlite/client.js';",
      },
      { path: join(SRC, 'jobs', 'b.ts'), text: "const { Prisma } = await import('@prisma/client');" },
      { path: join(SRC, 'store', 'c.ts'), text: "import { Prisma } from '../generated/sqlite/client.js';" },
      { path: join(SRC, 'views', 'd.ts'), text: "import type { Rep } from '../store/types.js';" },
    ];
    expect(prismaCallsOutsideStore(made)).toEqual([]);
    expect(prismaImportsOutsideStore(made)).toEqual([
      'src/reports/a.ts -> ../generated/sqlite/client.js',
      'src/jobs/b.ts -> @prisma/client',
    ]);
  });
});
