// Every statement that lists values (`in: [...]`, `IN (...)`) works through them in slices: Prisma binds
// at most 999 parameters per SQLite statement and PostgreSQL refuses more than 32,767, and the lists here
// (a claim's row IDs, a privacy request's order IDs) are sized by the caller, not by us.
export const ID_SLICE = 400;

export function slices<T>(items: readonly T[], size = ID_SLICE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function sumOverSlices<T>(items: readonly T[], run: (slice: T[]) => Promise<number>): Promise<number> {
  let total = 0;
  for (const slice of slices(items)) total += await run(slice);
  return total;
}

export async function concatOverSlices<T, R>(items: readonly T[], run: (slice: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const slice of slices(items)) out.push(...(await run(slice)));
  return out;
}
