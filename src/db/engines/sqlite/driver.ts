/**
 * The SQLite driver: Node's own `node:sqlite` where the runtime has a complete one (Node 22.16+, 23.11+, 24),
 * else the better-sqlite3 package (an optional peer dependency, needed on Node 20 only). Both are the real SQLite
 * library with its file locking; this module gives them the one shape Kysely's SqliteDialect and our byte
 * restore (apply/sqlite-bytes.ts) use, and the same error codes (SQLITE_BUSY, SQLITE_READONLY, ...).
 */
import { brokenNative, loadDriver } from '../../driver.js';

export interface SqliteStatement {
  readonly reader: boolean;
  all(parameters?: readonly unknown[]): Record<string, unknown>[];
  get(parameters?: readonly unknown[]): Record<string, unknown> | undefined;
  run(parameters?: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters?: readonly unknown[]): IterableIterator<Record<string, unknown>>;
  /** integers as bigint (exact), for digests */
  safeIntegers(): SqliteStatement;
}

export interface SqliteHandle {
  readonly driver: 'node:sqlite' | 'better-sqlite3';
  prepare(source: string): SqliteStatement;
  exec(source: string): void;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
  /** SQLite's busy timeout, ms */
  timeout?: number;
}

// The part of node:sqlite we use (its types are not in @types/node 20).
interface NodeStatement {
  columns(): unknown[];
  all(...p: unknown[]): Record<string, unknown>[];
  get(...p: unknown[]): Record<string, unknown> | undefined;
  run(...p: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...p: unknown[]): IterableIterator<Record<string, unknown>>;
  setReadBigInts(on: boolean): void;
}
interface NodeSqlite {
  DatabaseSync: new (file: string, options: { readOnly?: boolean; open?: boolean }) => { prepare(s: string): NodeStatement; exec(s: string): void; close(): void };
  StatementSync?: { prototype: { columns?: unknown } };
}

/** SQLite's primary result codes, by number (node:sqlite reports the number, better-sqlite3 the name). */
const CODES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  26: 'SQLITE_NOTADB',
};

function translated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const e = error as { code?: string; errcode?: number };
    if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') e.code = CODES[e.errcode & 0xff] ?? `SQLITE_ERROR_${e.errcode}`;
    throw error;
  }
}

let builtin: NodeSqlite | null | undefined;

/** node:sqlite when complete here (statement columns: 22.16+), without its "experimental" warning. */
function nodeSqlite(): NodeSqlite | null {
  if (builtin !== undefined) return builtin;
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!getBuiltin) return (builtin = null);
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (/SQLite is an experimental feature/.test(typeof warning === 'string' ? warning : warning?.message)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const mod = getBuiltin.call(process, 'node:sqlite') as NodeSqlite | undefined;
    builtin = mod && typeof mod.StatementSync?.prototype.columns === 'function' ? mod : null;
  } catch {
    builtin = null;
  } finally {
    process.emitWarning = emit;
  }
  return builtin;
}

function fromNode(mod: NodeSqlite, file: string, options: OpenOptions): SqliteHandle {
  const db = translated(() => new mod.DatabaseSync(file, { readOnly: options.readonly ?? false }));
  const statement = (s: NodeStatement): SqliteStatement => {
    const self: SqliteStatement = {
      reader: s.columns().length > 0,
      all: (p = []) => translated(() => s.all(...p)),
      get: (p = []) => translated(() => s.get(...p)),
      run: (p = []) => translated(() => s.run(...p)),
      iterate: (p = []) => translated(() => s.iterate(...p)),
      safeIntegers: () => (s.setReadBigInts(true), self),
    };
    return self;
  };
  const handle: SqliteHandle = {
    driver: 'node:sqlite',
    prepare: (source) => translated(() => statement(db.prepare(source))),
    exec: (source) => translated(() => db.exec(source)),
    close: () => db.close(),
  };
  if (options.timeout !== undefined) handle.exec(`pragma busy_timeout = ${Math.max(0, Math.round(options.timeout))}`);
  return handle;
}

/**
 * Handles and statements stay referenced until the process ends: on Node 24, better-sqlite3 12 aborts the process
 * ("Assertion failed: (env) != nullptr" in ~Statement) when the garbage collector destroys one of them mid-run.
 */
const openedHandles: unknown[] = [];

async function fromBetterSqlite(file: string, options: OpenOptions): Promise<SqliteHandle> {
  const engine = `SQLite on Node ${process.versions.node} (Node 22.16 and later have SQLite built in)`;
  const { default: Database } = await loadDriver('better-sqlite3', engine, () => import('better-sqlite3'));
  let db: import('better-sqlite3').Database;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: true,
      ...(options.timeout === undefined ? {} : { timeout: Math.max(0, Math.round(options.timeout)) }),
    });
  } catch (error) {
    throw brokenNative(error, 'better-sqlite3', engine) ?? error;
  }
  openedHandles.push(db);
  const statement = (s: import('better-sqlite3').Statement): SqliteStatement => {
    openedHandles.push(s);
    const self: SqliteStatement = {
      reader: s.reader,
      all: (p = []) => s.all(...p) as Record<string, unknown>[],
      get: (p = []) => s.get(...p) as Record<string, unknown> | undefined,
      run: (p = []) => s.run(...p),
      iterate: (p = []) => s.iterate(...p) as IterableIterator<Record<string, unknown>>,
      safeIntegers: () => (s.safeIntegers(true), self),
    };
    return self;
  };
  return { driver: 'better-sqlite3', prepare: (source) => statement(db.prepare(source)), exec: (source) => void db.exec(source), close: () => void db.close() };
}

/** Opens an existing database file. */
export async function openSqliteFile(file: string, options: OpenOptions = {}): Promise<SqliteHandle> {
  // PASSKEY_MIGRATE_SQLITE_DRIVER=better-sqlite3 takes the package even where Node has SQLite (tests of both).
  const mod = process.env.PASSKEY_MIGRATE_SQLITE_DRIVER === 'better-sqlite3' ? null : nodeSqlite();
  return mod ? fromNode(mod, file, options) : fromBetterSqlite(file, options);
}
