/**
 * The data model every layer shares, with no behaviour: engines and Identity tables by name, a table as the
 * engine's catalog describes it, and the operations of a migration. The database layer (db/) turns operations
 * into SQL, the read layer describes what is there, the plan layer decides which operations run.
 */
export type ProviderName = 'sqlite' | 'sqlserver' | 'postgres' | 'mysql';

export type IdentityTableRole = 'users' | 'roles' | 'userClaims' | 'userLogins' | 'userTokens' | 'userRoles' | 'roleClaims' | 'userPasskeys';

export interface TableRef {
  name: string;
  /** null: the connection's default schema */
  schema: string | null;
}

export interface ColumnInfo {
  name: string;
  /** the engine's own spelling of the full type, e.g. "nvarchar(450)", "character varying(256)", "TEXT" */
  type: string;
  nullable: boolean;
  default: string | null;
  /** the model's maximum length, where the column facts come from EF's model rather than the database */
  modelMaxLength?: number | null;
}

export interface TableShape {
  columns: ColumnInfo[];
  primaryKey: { name: string | null; columns: string[] } | null;
  foreignKeys: { name: string | null; columns: string[]; principalTable: string; principalColumns: string[]; onDelete: string }[];
  indexes: { name: string; columns: string[]; unique: boolean }[];
}

export type ClrType = 'byte[]' | 'string' | 'Guid' | 'int' | 'long' | 'uint' | 'bool' | 'DateTimeOffset';

/**
 * How the passkey's WebAuthn data (IdentityPasskeyData) is stored: Identity's one JSON column `Data`, or, on
 * Oracle's MySQL provider (no JSON columns for owned types), as columns `Data_*` of the passkeys table.
 */
export type PasskeyDataShape = 'json' | 'columns';

export interface ColumnDef {
  name: string;
  clrType: ClrType;
  /** the store type EF writes for this provider, e.g. "varbinary(1024)" */
  type: string;
  maxLength?: number;
  nullable: boolean;
}

export interface AlterColumnOp {
  kind: 'alterColumn';
  table: TableRef;
  column: ColumnDef;
  old: { type: string; maxLength?: number; nullable: boolean };
}

export interface CreateTableOp {
  kind: 'createTable';
  table: TableRef;
  columns: ColumnDef[];
  primaryKey: { name: string; columns: string[] };
  foreignKeys: { name: string; columns: string[]; principal: TableRef; principalColumns: string[]; onDelete: 'Cascade' }[];
}

export interface CreateIndexOp {
  kind: 'createIndex';
  name: string;
  table: TableRef;
  columns: string[];
  unique: boolean;
}

export type Operation = AlterColumnOp | CreateTableOp | CreateIndexOp;
