// The drizzle handle over the Worker's D1 binding, with every table schema attached.
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as batchTables from "./schema/batches";
import * as keyTables from "./schema/keys";
import * as scheduleTables from "./schema/schedules";

const schema = { ...batchTables, ...keyTables, ...scheduleTables };

export type Database = DrizzleD1Database<typeof schema>;

export function openDatabase(d1: D1Database): Database {
  return drizzle(d1, { schema });
}

/**
 * Returns how many rows fit in one multi-row statement with `columns` bound values
 * per row, under D1's limit of bound parameters per statement.
 */
export function rowsPerStatement(columns: number, maxParameters: number): number {
  return Math.max(1, Math.floor(maxParameters / columns));
}
