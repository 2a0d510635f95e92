/**
 * AddPasskeySupport: the one definition of the migration. The SQL we run (every engine) and the EF migration files
 * the project upgrade writes are both generated from it, so the two always agree. It is what
 * `dotnet ef migrations add AddPasskeySupport` produces after the switch to Identity schema Version3:
 * - the AspNetUserPasskeys table (IdentityUserPasskey<TKey>), its FK to the users table and its index;
 * - unless --keep-existing-columns, the existing columns Version2/3 reshape: PhoneNumber gets max length 256,
 *   and with MaxLengthForKeys 0 before, the login/token key columns get 128. SQLite keeps its TEXT columns as
 *   they are (EF emits no column change there).
 * Column changes are planned from the database as it is, so a column already in shape is left alone.
 */
import type { ColumnInfo, TableRef, TableShape } from '../db/dialect.js';
import type { IdentityTableRole, ProviderName } from '../read/facts.js';

export const MIGRATION_NAME = 'AddPasskeySupport';
/** The EF Core version written to the history row when the project does not name a 10.x one. */
export const BUILTIN_EF_VERSION = '10.0.15';

export type ClrType = 'byte[]' | 'string' | 'Guid' | 'int' | 'long';

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

export interface MigrationDefinition {
  id: string;
  name: typeof MIGRATION_NAME;
  productVersion: string;
  provider: ProviderName;
  operations: Operation[];
}

const KEY_TYPES: Record<ProviderName, Record<string, string>> = {
  sqlite: { string: 'TEXT', Guid: 'TEXT', int: 'INTEGER', long: 'INTEGER' },
  sqlserver: { string: 'nvarchar(450)', Guid: 'uniqueidentifier', int: 'int', long: 'bigint' },
  postgres: { string: 'text', Guid: 'uuid', int: 'integer', long: 'bigint' },
  mysql: { string: 'varchar(255)', Guid: 'char(36)', int: 'int', long: 'bigint' },
};

const BINARY_1024: Record<ProviderName, string> = { sqlite: 'BLOB', sqlserver: 'varbinary(1024)', postgres: 'bytea', mysql: 'varbinary(1024)' };
const JSON_TYPE: Record<ProviderName, string> = { sqlite: 'TEXT', sqlserver: 'nvarchar(max)', postgres: 'jsonb', mysql: 'json' };

/** The store type of a bounded string column, as EF spells it for each provider. */
export function boundedString(provider: ProviderName, length: number): string {
  switch (provider) {
    case 'sqlite':
      return 'TEXT';
    case 'sqlserver':
      return `nvarchar(${length})`;
    case 'postgres':
      return `character varying(${length})`;
    case 'mysql':
      return `varchar(${length})`;
  }
}

export function userKeyStoreType(provider: ProviderName, keyType: string): string {
  const type = KEY_TYPES[provider][keyType];
  if (!type) throw new Error(`unsupported user key type ${keyType}`);
  return type;
}

export interface PlanInputs {
  provider: ProviderName;
  keyType: string;
  tables: Record<IdentityTableRole, TableRef>;
  id: string;
  productVersion: string;
  keepExistingColumns: boolean;
  /** current columns of the tables whose columns Version3 may reshape */
  existingColumns: Partial<Record<'users' | 'userLogins' | 'userTokens', ColumnInfo[]>>;
  /** Stores.MaxLengthForKeys once the app is on Version3 (0 becomes 128 from Version2 on) */
  maxLengthForKeys: number;
}

export function planPasskeyMigration(inputs: PlanInputs): MigrationDefinition {
  const { provider, tables } = inputs;
  const operations: Operation[] = [];
  if (!inputs.keepExistingColumns && provider !== 'sqlite') {
    // In the order EF Core's model differ emits them (seen in `dotnet ef migrations script` output).
    const keys = inputs.maxLengthForKeys;
    const reshape: { role: 'users' | 'userLogins' | 'userTokens'; column: string; length: number }[] = [
      ...(keys > 0 ? [{ role: 'userTokens' as const, column: 'Name', length: keys }, { role: 'userTokens' as const, column: 'LoginProvider', length: keys }] : []),
      { role: 'users', column: 'PhoneNumber', length: 256 },
      ...(keys > 0 ? [{ role: 'userLogins' as const, column: 'ProviderKey', length: keys }, { role: 'userLogins' as const, column: 'LoginProvider', length: keys }] : []),
    ];
    for (const { role, column, length } of reshape) {
      const current = inputs.existingColumns[role]?.find((c) => c.name === column);
      if (!current) continue;
      const target = boundedString(provider, length);
      if (sameType(current.type, target)) continue;
      operations.push({
        kind: 'alterColumn',
        table: tables[role],
        column: { name: column, clrType: 'string', type: target, maxLength: length, nullable: current.nullable },
        old: {
          type: canonicalType(provider, current.type),
          maxLength: current.modelMaxLength !== undefined ? current.modelMaxLength ?? undefined : lengthOf(current.type),
          nullable: current.nullable,
        },
      });
    }
  }

  operations.push(...passkeyTableOps(provider, inputs.keyType, tables));

  return { id: inputs.id, name: MIGRATION_NAME, productVersion: inputs.productVersion, provider, operations };
}

/** The passkeys table and its index as EF Core creates them for IdentityUserPasskey<TKey>. */
export function passkeyTableOps(provider: ProviderName, keyType: string, tables: Record<IdentityTableRole, TableRef>): [CreateTableOp, CreateIndexOp] {
  const passkeys = tables.userPasskeys;
  return [
    {
      kind: 'createTable',
      table: passkeys,
      columns: [
        { name: 'CredentialId', clrType: 'byte[]', type: BINARY_1024[provider], maxLength: 1024, nullable: false },
        { name: 'UserId', clrType: keyType as ClrType, type: userKeyStoreType(provider, keyType), nullable: false },
        { name: 'Data', clrType: 'string', type: JSON_TYPE[provider], nullable: false },
      ],
      primaryKey: { name: `PK_${passkeys.name}`, columns: ['CredentialId'] },
      foreignKeys: [
        {
          name: `FK_${passkeys.name}_${tables.users.name}_UserId`,
          columns: ['UserId'],
          principal: tables.users,
          principalColumns: ['Id'],
          onDelete: 'Cascade',
        },
      ],
    },
    { kind: 'createIndex', name: `IX_${passkeys.name}_UserId`, table: passkeys, columns: ['UserId'], unique: false },
  ];
}

/** Differences between a passkeys table in the database and the one EF Core creates ([] when they agree). */
export function compareShape(provider: ProviderName, shape: TableShape, [create, index]: [CreateTableOp, CreateIndexOp]): string[] {
  const problems: string[] = [];
  for (const want of create.columns) {
    const have = shape.columns.find((c) => c.name === want.name);
    if (!have) {
      problems.push(`column ${want.name} is missing`);
      continue;
    }
    const haveType = canonicalType(provider, have.type);
    // MariaDB reports json as longtext (with a json_valid check): the same EF type.
    const jsonAlias = provider === 'mysql' && want.type === 'json' && haveType === 'longtext';
    if (!sameType(haveType, want.type) && !jsonAlias) problems.push(`column ${want.name} is ${have.type}, expected ${want.type}`);
    if (have.nullable !== want.nullable) problems.push(`column ${want.name} is ${have.nullable ? '' : 'not '}nullable`);
  }
  for (const have of shape.columns) if (!create.columns.some((c) => c.name === have.name)) problems.push(`unexpected column ${have.name}`);
  if (!shape.primaryKey || shape.primaryKey.columns.join(',') !== create.primaryKey.columns.join(',')) {
    problems.push(`primary key is ${shape.primaryKey ? `(${shape.primaryKey.columns.join(', ')})` : 'missing'}, expected (${create.primaryKey.columns.join(', ')})`);
  }
  for (const fk of create.foreignKeys) {
    const have = shape.foreignKeys.find((f) => f.columns.join(',') === fk.columns.join(','));
    if (!have) problems.push(`foreign key ${fk.name} is missing`);
    else if (have.principalTable !== fk.principal.name || !/cascade/i.test(have.onDelete)) {
      problems.push(`foreign key on ${fk.columns.join(', ')} references ${have.principalTable} ON DELETE ${have.onDelete}, expected ${fk.principal.name} ON DELETE CASCADE`);
    }
  }
  if (!shape.indexes.some((ix) => ix.name === index.name && ix.columns.join(',') === index.columns.join(','))) {
    problems.push(`index ${index.name} is missing`);
  }
  return problems;
}

/** `yyyyMMddHHmmss_AddPasskeySupport`, in UTC as EF names migrations. */
export function newMigrationId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}_${MIGRATION_NAME}`;
}

export function isPasskeyMigrationId(id: string): boolean {
  return /^\d{14}_AddPasskeySupport$/.test(id);
}

function lengthOf(type: string): number | undefined {
  const m = /\((\d+)\)/.exec(type);
  return m ? Number(m[1]) : undefined;
}

/** Engines report some types differently from how EF writes them (MariaDB: longtext for json, int(11) for int). */
export function canonicalType(provider: ProviderName, type: string): string {
  let t = type.trim();
  if (provider === 'mysql') t = t.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/i, '$1').toLowerCase();
  return t;
}

export function sameType(a: string, b: string): boolean {
  const n = (t: string) => t.toLowerCase().replace(/\s+/g, '');
  return n(a) === n(b);
}
