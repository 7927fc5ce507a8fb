// Looking at the database from a test: whole-state snapshots (to prove a
// refused call changed nothing), expected errors, scheduled jobs.
import type { TableNames } from "../convex/_generated/dataModel";
import { APP_TABLE_NAMES } from "../convex/schema";
import type { Backend } from "./backend";

// Every app table (a new one is covered without editing this list).
const APP_STATE: TableNames[] = ["users", ...APP_TABLE_NAMES];

/** Every row of the app's tables, to prove a refused call changed nothing. */
export async function snapshot(t: Backend, tables: TableNames[] = APP_STATE) {
  return await t.run(async (ctx) => {
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = await ctx.db.query(table).collect();
    return out;
  });
}

/** Runs `call`, expects a ConvexError with `code`, and returns its data (so a test can assert its details). */
export async function expectCode(call: Promise<unknown>, code: string) {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { code?: string } }).data;
    if (data?.code === code) return data as { code: string; message: string } & Record<string, unknown>;
    throw new Error(`expected ConvexError ${code}, got: ${(error as Error).message}`);
  }
  throw new Error(`expected ConvexError ${code}, but the call succeeded`);
}

/** Every scheduled function so far, by name and state (a failed batch shows up as "failed"). */
export async function scheduledStates(t: Backend) {
  return await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).map((job) => ({
      name: job.name,
      state: job.state.kind,
    })),
  );
}
