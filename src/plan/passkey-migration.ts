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
import type { ColumnInfo, IdentityTableRole, Operation, PasskeyDataShape, ProviderName, TableRef } from '../model/schema.js';

import { boundedString, canonicalType, MIGRATION_NAME, passkeyTableOps, sameType } from '../db/passkey-table.js';

export type { AlterColumnOp, ClrType, ColumnDef, CreateIndexOp, CreateTableOp, Operation } from '../model/schema.js';
export { boundedString, canonicalType, compareShape, isPasskeyMigrationId, MIGRATION_NAME, passkeyTableOps, sameType, userKeyStoreType } from '../db/passkey-table.js';

/** The EF Core version written to the history row when the project does not name a 10.x one. */
export const BUILTIN_EF_VERSION = '10.0.15';

export interface MigrationDefinition {
  id: string;
  name: typeof MIGRATION_NAME;
  productVersion: string;
  provider: ProviderName;
  operations: Operation[];
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
  /** Identity's JSON column, or columns (Oracle's MySQL provider) */
  passkeyData?: PasskeyDataShape;
}

export function planPasskeyMigration(inputs: PlanInputs): MigrationDefinition {
  const { provider, tables } = inputs;
  const operations: Operation[] = [];
  if (!inputs.keepExistingColumns && provider !== 'sqlite') {
    // In the order EF Core's model differ emits them (seen in `dotnet ef migrations script` output).
    const keys = inputs.maxLengthForKeys;
    const reshape: { role: 'users' | 'userLogins' | 'userTokens'; column: string; length: number }[] = [
      ...(keys > 0
        ? [
            { role: 'userTokens' as const, column: 'Name', length: keys },
            { role: 'userTokens' as const, column: 'LoginProvider', length: keys },
          ]
        : []),
      { role: 'users', column: 'PhoneNumber', length: 256 },
      ...(keys > 0
        ? [
            { role: 'userLogins' as const, column: 'ProviderKey', length: keys },
            { role: 'userLogins' as const, column: 'LoginProvider', length: keys },
          ]
        : []),
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
          maxLength: current.modelMaxLength !== undefined ? (current.modelMaxLength ?? undefined) : lengthOf(current.type),
          nullable: current.nullable,
        },
      });
    }
  }

  operations.push(...passkeyTableOps(provider, inputs.keyType, tables, inputs.passkeyData));

  return { id: inputs.id, name: MIGRATION_NAME, productVersion: inputs.productVersion, provider, operations };
}

/** `yyyyMMddHHmmss_AddPasskeySupport`, in UTC as EF names migrations. */
export function newMigrationId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}_${MIGRATION_NAME}`;
}

function lengthOf(type: string): number | undefined {
  const m = /\((\d+)\)/.exec(type);
  return m ? Number(m[1]) : undefined;
}
