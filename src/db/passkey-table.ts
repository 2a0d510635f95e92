/**
 * The passkeys table as EF Core creates it for IdentityUserPasskey<TKey> on each engine, and how a table found in a
 * database is compared with it: shared by the read layer (detect) and the plan layer (the migration).
 */
import type { ClrType, ColumnDef, CreateIndexOp, CreateTableOp, IdentityTableRole, PasskeyDataShape, ProviderName, TableRef, TableShape } from '../model/schema.js';
import { engineTypes } from './registry.js';

export const MIGRATION_NAME = 'AddPasskeySupport';

/** The store type of a bounded string column, as EF spells it for each provider. */
export function boundedString(provider: ProviderName, length: number): string {
  return engineTypes(provider).boundedString(length);
}

export function userKeyStoreType(provider: ProviderName, keyType: string): string {
  const type = engineTypes(provider).userKey[keyType];
  if (!type) throw new Error(`unsupported user key type ${keyType}`);
  return type;
}

/** The passkeys table and its index as EF Core creates them for IdentityUserPasskey<TKey>. */
export function passkeyTableOps(
  provider: ProviderName,
  keyType: string,
  tables: Record<IdentityTableRole, TableRef>,
  shape: PasskeyDataShape = 'json',
): [CreateTableOp, CreateIndexOp] {
  const passkeys = tables.userPasskeys;
  const data: ColumnDef[] = shape === 'json' ? [{ name: 'Data', clrType: 'string', type: engineTypes(provider).json, nullable: false }] : dataColumns(provider);
  return [
    {
      kind: 'createTable',
      table: passkeys,
      columns: [
        { name: 'CredentialId', clrType: 'byte[]', type: engineTypes(provider).binary1024, maxLength: 1024, nullable: false },
        { name: 'UserId', clrType: keyType as ClrType, type: userKeyStoreType(provider, keyType), nullable: false },
        ...data,
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

function dataColumns(provider: ProviderName): ColumnDef[] {
  const columns = engineTypes(provider).passkeyDataColumns;
  if (!columns) throw new Error(`${provider}: no column mapping of the passkey data`);
  return columns;
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
    const alias = engineTypes(provider).alias?.(want.type, haveType) ?? false;
    if (!sameType(haveType, want.type) && !alias) problems.push(`column ${want.name} is ${have.type}, expected ${want.type}`);
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

export function isPasskeyMigrationId(id: string): boolean {
  return /^\d{14}_AddPasskeySupport$/.test(id);
}

/** Engines report some types differently from how EF writes them (MariaDB: longtext for json, int(11) for int). */
export function canonicalType(provider: ProviderName, type: string): string {
  return engineTypes(provider).canonicalType(type);
}

export function sameType(a: string, b: string): boolean {
  const n = (t: string) => t.toLowerCase().replace(/\s+/g, '');
  return n(a) === n(b);
}
