/**
 * Reads, without changing anything, what the database holds of Identity: which tables exist (under the app's
 * names and schema), the user key column's exact type, the passkeys table, the EF history, and which Identity
 * schema version the database looks like.
 */
import { sql, type Kysely } from 'kysely';
import type { IdentityTableRole, ProviderName } from '../facts.js';
import type { Dialect, TableRef } from '../../db/dialect.js';
import { compareShape, passkeyTableOps } from '../../db/passkey-table.js';
import type { PasskeyDataShape } from '../../model/schema.js';

export type PasskeysTableState = 'present' | 'absent' | 'mismatch';

export interface DatabaseFacts {
  provider: ProviderName;
  target: string;
  exists: boolean;
  tables: Record<IdentityTableRole, TableRef & { exists: boolean }>;
  userKeyColumnType: string | null;
  passkeysTable: PasskeysTableState;
  passkeysTableProblems: string[];
  historyTable: (TableRef & { exists: boolean }) | null;
  appliedMigrations: { id: string; productVersion: string }[];
  schemaVersion: 1 | 2 | 3 | null;
  schemaVersionBasis: string;
}

export const HISTORY_TABLE = '__EFMigrationsHistory';

export async function readDatabaseFacts(options: {
  db: Kysely<any>;
  dialect: Dialect;
  target: string;
  tables: Record<IdentityTableRole, TableRef>;
  /** the user key's CLR type (string, Guid, int, long), for the passkeys table EF creates */
  keyType: string;
  /** how the app's model stores the passkey data (read/project: passkeyDataShape) */
  passkeyData?: PasskeyDataShape;
}): Promise<DatabaseFacts> {
  const { db, dialect } = options;
  const tables = {} as DatabaseFacts['tables'];
  for (const [role, ref] of Object.entries(options.tables) as [IdentityTableRole, TableRef][]) {
    tables[role] = { ...ref, exists: await dialect.tableExists(db, ref) };
  }

  let userKeyColumnType: string | null = null;
  let phoneNumberType: string | null = null;
  if (tables.users.exists) {
    const columns = await dialect.columns(db, tables.users);
    userKeyColumnType = columns.find((c) => c.name === 'Id')?.type ?? null;
    phoneNumberType = columns.find((c) => c.name === 'PhoneNumber')?.type ?? null;
  }

  let passkeysTable: PasskeysTableState = 'absent';
  let passkeysTableProblems: string[] = [];
  if (tables.userPasskeys.exists) {
    const shape = await dialect.shape(db, tables.userPasskeys);
    passkeysTableProblems = compareShape(dialect.provider, shape, passkeyTableOps(dialect.provider, options.keyType, options.tables, options.passkeyData));
    passkeysTable = passkeysTableProblems.length === 0 ? 'present' : 'mismatch';
  }

  // EF keeps its history in the connection's default schema unless the app says otherwise.
  const history = await readHistory(db, dialect, [{ name: HISTORY_TABLE, schema: null }, ...(tables.users.schema ? [{ name: HISTORY_TABLE, schema: tables.users.schema }] : [])]);
  const historyTable: DatabaseFacts['historyTable'] = history.table ? { ...history.table, exists: true } : null;
  const appliedMigrations = history.rows;

  let schemaVersion: DatabaseFacts['schemaVersion'] = null;
  let schemaVersionBasis = 'no Identity users table';
  if (tables.users.exists) {
    const phoneLength = phoneNumberType ? dialect.maxLength(phoneNumberType) : null;
    if (passkeysTable !== 'absent') {
      schemaVersion = 3;
      schemaVersionBasis = `${tables.userPasskeys.name} exists`;
    } else if (phoneLength === 256) {
      schemaVersion = 2;
      schemaVersionBasis = `PhoneNumber is ${phoneNumberType} and there is no passkeys table`;
    } else {
      schemaVersion = 1;
      schemaVersionBasis =
        dialect.provider === 'sqlite'
          ? 'no passkeys table (SQLite stores Version1 and Version2 alike)'
          : `PhoneNumber is ${phoneNumberType ?? 'missing'} and there is no passkeys table`;
    }
  }

  return {
    provider: dialect.provider,
    target: options.target,
    exists: true,
    tables,
    userKeyColumnType,
    passkeysTable,
    passkeysTableProblems,
    historyTable,
    appliedMigrations,
    schemaVersion,
    schemaVersionBasis,
  };
}

/** The first of the candidate history tables that exists, and its rows in MigrationId order. */
export async function readHistory(db: Kysely<any>, dialect: Dialect, candidates: TableRef[]): Promise<{ table: TableRef | null; rows: { id: string; productVersion: string }[] }> {
  for (const candidate of candidates) {
    if (!(await dialect.tableExists(db, candidate))) continue;
    const table = sql.raw(dialect.quoteTable(candidate));
    const rows = await sql<{ MigrationId: string; ProductVersion: string }>`
      select ${sql.ref('MigrationId')}, ${sql.ref('ProductVersion')} from ${table} order by ${sql.ref('MigrationId')}`.execute(db);
    return { table: candidate, rows: rows.rows.map((r) => ({ id: r.MigrationId, productVersion: r.ProductVersion })) };
  }
  return { table: null, rows: [] };
}
