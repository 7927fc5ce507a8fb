import type { GenericDatabaseReader, GenericDatabaseWriter, NamedTableInfo, QueryInitializer } from "convex/server";
import { filter } from "convex-helpers/server/filter";
import type { DataModel, Doc, Id, TableNames } from "../_generated/dataModel";
import { APP_TABLE_NAMES, type AppTableName } from "../schema";
import { fail } from "./errors";
import { rowRules } from "./rules";

/** What a handler writes: the document without system fields and, on app tables, without `updatedAt`. */
export type WriteValue<T extends TableNames> = T extends AppTableName
  ? Omit<Doc<T>, "_id" | "_creationTime" | "updatedAt">
  : Omit<Doc<T>, "_id" | "_creationTime">;

/** The database as handlers see it (explicit table names only). */
export interface AppDbReader {
  get<T extends TableNames>(table: T, id: Id<T>): Promise<Doc<T> | null>;
  query<T extends TableNames>(table: T): QueryInitializer<NamedTableInfo<DataModel, T>>;
  normalizeId<T extends TableNames>(table: T, id: string): Id<T> | null;
  system: GenericDatabaseReader<DataModel>["system"];
}

/** What model helpers that only read take as `ctx`. */
export type ReadCtx = { db: AppDbReader };
/** What model helpers that write take as `ctx` (they never schedule: registered functions do). */
export type WriteCtx = { db: AppDbWriter };

export interface AppDbWriter extends AppDbReader {
  insert<T extends TableNames>(table: T, value: WriteValue<T>): Promise<Id<T>>;
  patch<T extends TableNames>(table: T, id: Id<T>, value: Partial<WriteValue<T>>): Promise<void>;
  /** Patches a row the handler holds and returns it as stored (with its new `updatedAt`), reading nothing more. */
  update<T extends TableNames>(table: T, doc: Doc<T>, value: Partial<WriteValue<T>>): Promise<Doc<T>>;
  replace<T extends TableNames>(table: T, id: Id<T>, value: WriteValue<T>): Promise<void>;
  delete<T extends TableNames>(table: T, id: Id<T>): Promise<void>;
}

type AnyDoc = Record<string, unknown> & { _id: string };
type AnyRule = {
  read?: (userId: Id<"users">, doc: AnyDoc) => boolean;
  insert?: (userId: Id<"users">, value: object) => boolean;
  modify?: (userId: Id<"users">, doc: object) => boolean;
};

const stampedTables = new Set<string>(APP_TABLE_NAMES);

/**
 * Wraps `ctx.db` for one function call. It does two things, in the write itself:
 * - sets `updatedAt` on every insert, patch and replace of an app table (the
 *   Postgres `BEFORE UPDATE` trigger), so no write becomes two;
 * - for a signed-in caller (`userId` set), enforces `rowRules` with a deny
 *   default. Rules are checked on rows already in hand: a row this call read
 *   or inserted is remembered, so patching it does not read it again.
 * With `userId` null it is the service role: no rules, `updatedAt` still kept.
 */
class AppDb implements AppDbWriter {
  private readonly seen = new Map<string, AnyDoc>();
  // Plain fields, not parameter properties: apps typecheck this file through
  // the generated api.d.ts, and templates turn on `erasableSyntaxOnly`.
  private readonly db: GenericDatabaseWriter<DataModel>;
  private readonly userId: Id<"users"> | null;

  constructor(db: GenericDatabaseWriter<DataModel>, userId: Id<"users"> | null) {
    this.db = db;
    this.userId = userId;
  }

  get system() {
    return this.db.system;
  }

  normalizeId<T extends TableNames>(table: T, id: string): Id<T> | null {
    return this.db.normalizeId(table, id);
  }

  async get<T extends TableNames>(table: T, id: Id<T>): Promise<Doc<T> | null> {
    const doc = await this.db.get(table, id);
    return doc !== null && this.admit(table, doc as unknown as AnyDoc) ? doc : null;
  }

  query<T extends TableNames>(table: T): QueryInitializer<NamedTableInfo<DataModel, T>> {
    const query = this.db.query(table);
    if (this.userId === null) return query;
    return filter(query, (doc) => this.admit(table, doc as unknown as AnyDoc));
  }

  async insert<T extends TableNames>(table: T, value: WriteValue<T>): Promise<Id<T>> {
    const row = this.stamp(table, value as object);
    if (this.userId !== null && !(this.rule(table).insert?.(this.userId, row) ?? false)) {
      fail("FORBIDDEN", `Not allowed to create ${table} rows`, { table });
    }
    const id = await this.db.insert(table, row as never);
    // Held like a row read: patching it later in this call reads nothing more.
    if (this.userId !== null) this.seen.set(id, { ...row, _id: id });
    return id;
  }

  async patch<T extends TableNames>(table: T, id: Id<T>, value: Partial<WriteValue<T>>) {
    const change = this.stamp(table, value as object);
    await this.authorizeChange(table, id, (doc) => ({ ...doc, ...change }));
    await this.db.patch(table, id, change as never);
  }

  async update<T extends TableNames>(table: T, doc: Doc<T>, value: Partial<WriteValue<T>>) {
    const change = this.stamp(table, value as object);
    await this.authorizeChange(table, doc._id, (held) => ({ ...held, ...change }));
    await this.db.patch(table, doc._id, change as never);
    return { ...doc, ...change } as Doc<T>;
  }

  async replace<T extends TableNames>(table: T, id: Id<T>, value: WriteValue<T>) {
    const row = this.stamp(table, value as object);
    await this.authorizeChange(table, id, (doc) => ({ ...row, _id: doc._id }));
    await this.db.replace(table, id, row as never);
  }

  async delete<T extends TableNames>(table: T, id: Id<T>) {
    await this.authorizeChange(table, id, null);
    this.seen.delete(id);
    await this.db.delete(table, id);
  }

  private rule(table: string): AnyRule {
    return (rowRules as Record<string, AnyRule | undefined>)[table] ?? {};
  }

  /** Read rule; a row that passes is remembered for later write checks. */
  private admit(table: string, doc: AnyDoc): boolean {
    if (this.userId === null) return true;
    if (!(this.rule(table).read?.(this.userId, doc) ?? false)) return false;
    this.seen.set(doc._id, doc);
    return true;
  }

  /** Modify rule on the row before and after, using the remembered row when there is one. */
  private async authorizeChange(table: string, id: string, after: ((doc: AnyDoc) => AnyDoc) | null): Promise<void> {
    if (this.userId === null) return;
    const before = this.seen.get(id) ?? ((await this.get(table as TableNames, id as never)) as AnyDoc | null);
    if (before === null) fail("NOT_FOUND", `No such ${table} row`, { table });
    const modify = this.rule(table).modify;
    const next = after?.(before) ?? null;
    if (!modify?.(this.userId, before) || (next !== null && !modify(this.userId, next))) {
      fail("FORBIDDEN", `Not allowed to change this ${table} row`, { table });
    }
    if (next !== null) this.seen.set(id, next);
  }

  private stamp(table: string, value: object): object {
    return stampedTables.has(table) ? { ...value, updatedAt: Date.now() } : value;
  }
}

/** The database for a signed-in user's public function: row rules on, `updatedAt` kept. */
export function userDb(db: GenericDatabaseWriter<DataModel>, userId: Id<"users">): AppDbWriter {
  return new AppDb(db, userId);
}

/** The service-role database (internal functions): no row rules, `updatedAt` kept. */
export function serviceDb(db: GenericDatabaseWriter<DataModel>): AppDbWriter {
  return new AppDb(db, null);
}
