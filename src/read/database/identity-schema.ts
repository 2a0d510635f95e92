/**
 * Reads, without changing anything, what the database holds of Identity: which tables exist (under the app's
 * names and schema), the user key column's exact type, the passkeys table, the EF history, and which Identity
 * schema version the database looks like.
 */
import { sql, type Kysely } from 'kysely';
import type { IdentityTableRole, ProviderName } from '../facts.js';
import type { ColumnInfo, Dialect, TableRef } from '../../db/dialect.js';

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

/** The passkeys table EF Core creates for IdentityUserPasskey<TKey>, column by column, per engine. */
export function expectedPasskeyColumns(provider: ProviderName, userKeyType: string): ColumnInfo[] {
  const binary: Record<ProviderName, string> = { sqlite: 'BLOB', sqlserver: 'varbinary(1024)', postgres: 'bytea', mysql: 'varbinary(1024)' };
  const json: Record<ProviderName, string> = { sqlite: 'TEXT', sqlserver: 'nvarchar(max)', postgres: 'jsonb', mysql: 'json' };
  return [
    { name: 'CredentialId', type: binary[provider], nullable: false, default: null },
    { name: 'UserId', type: userKeyType, nullable: false, default: null },
    { name: 'Data', type: json[provider], nullable: false, default: null },
  ];
}

export function comparePasskeyColumns(actual: ColumnInfo[], expected: ColumnInfo[]): string[] {
  const problems: string[] = [];
  const norm = (t: string) => t.toLowerCase().replace(/\s+/g, '');
  for (const want of expected) {
    const have = actual.find((c) => c.name === want.name);
    if (!have) problems.push(`column ${want.name} is missing`);
    else {
      // MySQL/MariaDB report json as longtext with a check constraint; both spell the same EF type.
      const sameType = norm(have.type) === norm(want.type) || (norm(want.type) === 'json' && norm(have.type) === 'longtext');
      if (!sameType) problems.push(`column ${want.name} is ${have.type}, expected ${want.type}`);
      if (have.nullable !== want.nullable) problems.push(`column ${want.name} is ${have.nullable ? '' : 'not '}nullable`);
    }
  }
  for (const have of actual) {
    if (!expected.some((c) => c.name === have.name)) problems.push(`unexpected column ${have.name}`);
  }
  return problems;
}

export async function readDatabaseFacts(options: {
  db: Kysely<any>;
  dialect: Dialect;
  target: string;
  tables: Record<IdentityTableRole, TableRef>;
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
    const actual = await dialect.columns(db, tables.userPasskeys);
    passkeysTableProblems = comparePasskeyColumns(actual, expectedPasskeyColumns(dialect.provider, userKeyColumnType ?? '?'));
    passkeysTable = passkeysTableProblems.length === 0 ? 'present' : 'mismatch';
  }

  // EF keeps its history in the connection's default schema unless the app says otherwise.
  let historyTable: DatabaseFacts['historyTable'] = null;
  const historyCandidates: TableRef[] = [{ name: HISTORY_TABLE, schema: null }];
  if (tables.users.schema) historyCandidates.push({ name: HISTORY_TABLE, schema: tables.users.schema });
  for (const candidate of historyCandidates) {
    if (await dialect.tableExists(db, candidate)) {
      historyTable = { ...candidate, exists: true };
      break;
    }
  }
  const appliedMigrations: DatabaseFacts['appliedMigrations'] = [];
  if (historyTable) {
    const table = historyTable.schema ? sql.table(`${historyTable.schema}.${HISTORY_TABLE}`) : sql.table(HISTORY_TABLE);
    const rows = await sql<{ MigrationId: string; ProductVersion: string }>`
      select ${sql.ref('MigrationId')}, ${sql.ref('ProductVersion')} from ${table} order by ${sql.ref('MigrationId')}`.execute(db);
    for (const row of rows.rows) appliedMigrations.push({ id: row.MigrationId, productVersion: row.ProductVersion });
  }

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
