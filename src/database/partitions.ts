import type { EntityManager } from 'typeorm';

/** First instant (UTC) of the month containing `date`, shifted by `offset` months. */
export function monthStart(date: Date, offset = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

export function partitionName(table: string, month: Date): string {
  return `${table}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Makes sure monthly range partitions exist for `table` from `monthsBack` before to `monthsAhead`
 * after `now`. A table partitioned by month has a DEFAULT partition that catches rows outside the
 * created months; if it already holds rows of a month being created, they are moved into the new
 * partition in the same transaction (PostgreSQL refuses the CREATE otherwise).
 * Returns the names of the partitions it created.
 */
export async function ensureMonthlyPartitions(
  manager: EntityManager,
  table: string,
  column: string,
  opts: { now: Date; monthsBack?: number; monthsAhead?: number },
): Promise<string[]> {
  if (!IDENT.test(table) || !IDENT.test(column)) throw new Error(`bad identifier ${table}.${column}`);
  const created: string[] = [];
  const defaultPart = `${table}_default`;
  const months: { from: Date; to: Date; name: string }[] = [];
  for (let i = -(opts.monthsBack ?? 0); i <= (opts.monthsAhead ?? 3); i++) {
    const from = monthStart(opts.now, i);
    months.push({ from, to: monthStart(opts.now, i + 1), name: partitionName(table, from) });
  }
  // One read answers the usual case, at every start: all of them exist. (A transaction per month
  // is three round trips each; the transaction below still checks again before creating.)
  const missing = new Set(
    (
      (await manager.query(`SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL`, [
        months.map((m) => m.name),
      ])) as { name: string }[]
    ).map((r) => r.name),
  );
  for (const { from, to, name } of months) {
    if (!missing.has(name)) continue;
    await manager.transaction(async (tx) => {
      const exists = (await tx.query(`SELECT to_regclass($1) AS r`, [name])) as { r: string | null }[];
      if (exists[0]?.r) return;
      const range = `FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`;
      const stray = (await tx.query(
        `SELECT EXISTS (SELECT 1 FROM ${defaultPart} WHERE ${column} >= $1 AND ${column} < $2) AS e`,
        [from, to],
      )) as { e: boolean }[];
      if (stray[0]?.e) {
        await tx.query(`ALTER TABLE ${table} DETACH PARTITION ${defaultPart}`);
        await tx.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES ${range}`);
        await tx.query(
          `WITH moved AS (DELETE FROM ${defaultPart} WHERE ${column} >= $1 AND ${column} < $2 RETURNING *)
           INSERT INTO ${table} SELECT * FROM moved`,
          [from, to],
        );
        await tx.query(`ALTER TABLE ${table} ATTACH PARTITION ${defaultPart} DEFAULT`);
      } else {
        await tx.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES ${range}`);
      }
      created.push(name);
    });
  }
  return created;
}
