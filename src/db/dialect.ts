/**
 * One interface for every engine. A dialect knows how to open a Kysely instance for a connection string, how to
 * read a table's exact shape from the engine's catalog, and how to name things in its SQL. Drivers are imported
 * inside open(), so only the engine in use is ever loaded.
 */
import { parse } from '@tediousjs/connection-string';
import type { Kysely } from 'kysely';
import type { ColumnInfo, Operation, ProviderName, TableRef, TableShape } from '../model/schema.js';

export type { ColumnInfo, TableRef, TableShape } from '../model/schema.js';

export interface OperationStatements {
  op: Operation;
  statements: string[];
}

export interface LockOptions {
  /** bound on waiting for the lock, in milliseconds */
  timeoutMs: number;
  history: TableRef;
}

export interface ConnectionTarget {
  provider: ProviderName;
  /** host:port/database or the file path: never the password */
  display: string;
  /** for SQLite: the resolved file path */
  file?: string;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** bound on connecting, in milliseconds */
  connectTimeoutMs: number;
  /** bound on every wait for a lock, by any statement on this connection (default: connectTimeoutMs) */
  lockTimeoutMs?: number;
}

export interface Dialect {
  provider: ProviderName;
  label: string;
  /** parses the connection string (relative SQLite paths against baseDir); throws a UserError if unusable */
  target(connectionString: string, baseDir: string): Promise<ConnectionTarget>;
  open(connectionString: string, baseDir: string, options: OpenOptions): Promise<Kysely<any>>;
  tableExists(db: Kysely<any>, table: TableRef): Promise<boolean>;
  columns(db: Kysely<any>, table: TableRef): Promise<ColumnInfo[]>;
  /** the database holds no tables at all (a new or zero-byte file, an empty schema) */
  isEmpty(db: Kysely<any>): Promise<boolean>;
  /** the server's own version string (`SELECT VERSION()`), where an engine has server families (MySQL, MariaDB) */
  serverVersion?(db: Kysely<any>): Promise<string>;
  /** a column type that carries a maximum length, e.g. nvarchar(256) -> 256; null for unbounded */
  maxLength(type: string): number | null;
  /** columns, primary key, foreign keys and indexes, from the engine's catalog */
  shape(db: Kysely<any>, table: TableRef): Promise<TableShape>;

  // --- writing: the migration's statements, as EF Core writes them for this engine ---
  /** true where the engine rolls DDL back with the transaction */
  transactionalDdl: boolean;
  /** a table name quoted for this engine, with its schema */
  quoteTable(ref: TableRef): string;
  /** the statements of each operation, in order (a statement may depend on the ones before it) */
  up(ops: Operation[]): OperationStatements[];
  /** the statements that undo the operations, last operation first */
  down(ops: Operation[]): OperationStatements[];
  historyCreate(history: TableRef): string;
  historyInsert(history: TableRef, id: string, productVersion: string): string;
  historyDelete(history: TableRef, id: string): string;
  /** wraps statements so a script skips them once the migration is recorded (EF's idempotent scripts) */
  guardScript(history: TableRef, id: string, statements: string[], applied: boolean): string[];
  /** a whole script: the statements in one transaction, spaced as EF spaces them */
  scriptBatch(statements: string[], idempotent?: boolean): string;
  /**
   * Where the engine refuses (never truncates) a narrowing ALTER on a longer value and can roll back to a
   * savepoint: true if this error is that refusal. Then the narrowing runs first and the rows are counted only
   * when it fails (one scan of the table instead of two). Absent: the rows are counted before the ALTER.
   */
  isValueTooLong?(error: unknown): boolean;
  /** how many rows hold a value in column longer than length, and the keys of the first few */
  tooLong(db: Kysely<any>, table: TableRef, column: string, length: number, keyColumn: string): Promise<{ count: number; keys: string[] }>;
  /**
   * Runs fn while holding the lock EF Core's own migrations take on this engine, with a bounded wait; where the
   * engine has transactional DDL, fn runs inside the transaction and everything commits or nothing does.
   */
  withMigrationLock<T>(db: Kysely<any>, options: LockOptions, fn: (tx: Kysely<any>) => Promise<T>): Promise<T>;
  /** rights the plan needs that the connection's user lacks, each in a few words ([] when all are there) */
  privilegeProblems?(db: Kysely<any>, plan: { steps: { op?: Operation }[] }, tables: Record<string, TableRef>): Promise<string[]>;
  /** a driver error this engine can name the cause of (rights, locks, a read-only or full database), as one line */
  explainError?(error: unknown, doing: string, db?: Kysely<any>): Promise<Error | undefined>;
}

/** Keys of an ADO.NET connection string, lower-cased, through @tediousjs/connection-string. */
export async function parseConnectionString(value: string): Promise<Map<string, string>> {
  const parsed = parse(value) as unknown as Map<string, unknown>;
  const out = new Map<string, string>();
  for (const [key, v] of parsed) out.set(String(key).toLowerCase().replace(/\s+/g, ' '), String(v));
  return out;
}

export function pick(map: Map<string, string>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = map.get(key);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

export function lengthOf(type: string): number | null {
  const match = /\((\d+)\)/.exec(type);
  return match ? Number(match[1]) : null;
}

/** A driver's connection error as a short reason, the same words for every engine. */
export function connectFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { message?: string };
  const message = e?.message ?? String(error);
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return 'connection refused (is the server running?)';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host not found';
  // tedious wraps socket failures: ESOCKET with "Could not connect (sequence)"
  if (e?.code === 'ESOCKET') return 'connection refused (is the server running?)';
  if (e?.code === 'ETIMEDOUT' || e?.code === 'ETIMEOUT' || /time(d)? ?out/i.test(message)) return 'timed out';
  if (e?.code === 'ER_ACCESS_DENIED_ERROR') return 'access denied (wrong user or password)';
  return message.split('\n')[0] ?? String(error);
}

/** How a server database is named in messages: host:port/database as user, never the password. */
export function serverDisplay(s: { host: string; port: number; database?: string; user?: string }): string {
  return `${s.host}:${s.port}/${s.database ?? ''}${s.user ? ` as ${s.user}` : ''}`;
}
