/**
 * Runs a query per chunk of ids and joins the answers in order: databases cap a statement's parameters (Prisma's
 * SQLite driver at 999) and Prisma does not split grouped queries or raw SQL by itself.
 */
export async function inChunks<T>(
  ids: readonly string[],
  query: (chunk: string[]) => Promise<T[]>,
  size: number,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await query(ids.slice(i, i + size))));
  return out;
}
