/**
 * Each engine's SQL for AddPasskeySupport, stated (the way Kysely's tests state SQL per dialect): for SQLite,
 * PostgreSQL and SQL Server the expected text is EF Core's own `dotnet ef migrations script` output
 * (test/unit/ef-sql, see its README); up, down and the history rows, as one script each way. Fast tier: no
 * database, no SDK.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialectFor } from '../../src/db/registry.js';
import type { ColumnInfo, IdentityTableRole, ProviderName, TableRef } from '../../src/model/schema.js';
import { planPasskeyMigration } from '../../src/plan/passkey-migration.js';

const ROLES: Record<IdentityTableRole, string> = {
  users: 'AspNetUsers',
  roles: 'AspNetRoles',
  userClaims: 'AspNetUserClaims',
  userLogins: 'AspNetUserLogins',
  userTokens: 'AspNetUserTokens',
  userRoles: 'AspNetUserRoles',
  roleClaims: 'AspNetRoleClaims',
  userPasskeys: 'AspNetUserPasskeys',
};
const tables = (schema: string | null) => Object.fromEntries(Object.entries(ROLES).map(([role, name]) => [role, { name, schema }])) as Record<IdentityTableRole, TableRef>;
const column = (name: string, type: string, nullable: boolean): ColumnInfo => ({ name, type, nullable, default: null });
const HISTORY: TableRef = { name: '__EFMigrationsHistory', schema: null };

/** The apps the EF scripts were made from, as the database has them before the migration. */
const APPS: { provider: ProviderName; keyType: string; schema: string | null; existing: Partial<Record<'users' | 'userLogins' | 'userTokens', ColumnInfo[]>> }[] = [
  { provider: 'sqlite', keyType: 'string', schema: null, existing: { users: [column('PhoneNumber', 'TEXT', true)] } },
  {
    provider: 'postgres',
    keyType: 'Guid',
    schema: 'auth',
    existing: {
      users: [column('PhoneNumber', 'text', true)],
      userLogins: [column('LoginProvider', 'character varying(128)', false), column('ProviderKey', 'character varying(128)', false)],
      userTokens: [column('LoginProvider', 'character varying(128)', false), column('Name', 'character varying(128)', false)],
    },
  },
  {
    provider: 'sqlserver',
    keyType: 'string',
    schema: null,
    existing: {
      users: [column('PhoneNumber', 'nvarchar(max)', true)],
      userLogins: [column('LoginProvider', 'nvarchar(450)', false), column('ProviderKey', 'nvarchar(450)', false)],
      userTokens: [column('LoginProvider', 'nvarchar(450)', false), column('Name', 'nvarchar(450)', false)],
    },
  },
];

async function scripts(app: (typeof APPS)[number]) {
  const dialect = await dialectFor(app.provider);
  const definition = planPasskeyMigration({
    provider: app.provider,
    keyType: app.keyType,
    tables: tables(app.schema),
    id: 'ID',
    productVersion: '10.0.15',
    keepExistingColumns: false,
    existingColumns: app.existing,
    maxLengthForKeys: 128,
  });
  const up = [...dialect.up(definition.operations).flatMap((s) => s.statements), dialect.historyInsert(HISTORY, 'ID', '10.0.15')];
  const down = [...dialect.down(definition.operations).flatMap((s) => s.statements), dialect.historyDelete(HISTORY, 'ID')];
  return { up: dialect.scriptBatch(up), down: dialect.scriptBatch(down) };
}

const ef = (file: string) => readFileSync(path.join(__dirname, 'ef-sql', file), 'utf8');
const norm = (sql: string) => sql.replace(/\r\n/g, '\n').trim();

describe.each(APPS)('$provider writes what EF Core writes', (app) => {
  it('up: the migration and its history row', async () => {
    expect(norm((await scripts(app)).up)).toBe(norm(ef(`${app.provider}.up.sql`)));
  });
  it('down: the migration undone and its history row removed', async () => {
    expect(norm((await scripts(app)).down)).toBe(norm(ef(`${app.provider}.down.sql`)));
  });
});

describe('mysql (MariaDB): no EF Core 10 provider here, so its SQL is stated', () => {
  it('up and down', async () => {
    const { up, down } = await scripts({
      provider: 'mysql',
      keyType: 'string',
      schema: null,
      existing: { users: [column('PhoneNumber', 'longtext', true)] },
    });
    expect(norm(up)).toMatchInlineSnapshot(`
      "START TRANSACTION;
      ALTER TABLE \`AspNetUsers\` MODIFY COLUMN \`PhoneNumber\` varchar(256) CHARACTER SET utf8mb4 NULL;

      CREATE TABLE \`AspNetUserPasskeys\` (
          \`CredentialId\` varbinary(1024) NOT NULL,
          \`UserId\` varchar(255) CHARACTER SET utf8mb4 NOT NULL,
          \`Data\` json NOT NULL,
          CONSTRAINT \`PK_AspNetUserPasskeys\` PRIMARY KEY (\`CredentialId\`),
          CONSTRAINT \`FK_AspNetUserPasskeys_AspNetUsers_UserId\` FOREIGN KEY (\`UserId\`) REFERENCES \`AspNetUsers\` (\`Id\`) ON DELETE CASCADE
      ) CHARACTER SET=utf8mb4;

      CREATE INDEX \`IX_AspNetUserPasskeys_UserId\` ON \`AspNetUserPasskeys\` (\`UserId\`);

      INSERT INTO \`__EFMigrationsHistory\` (\`MigrationId\`, \`ProductVersion\`)
      VALUES ('ID', '10.0.15');

      COMMIT;"
    `);
    expect(norm(down)).toMatchInlineSnapshot(`
      "START TRANSACTION;
      DROP TABLE \`AspNetUserPasskeys\`;

      ALTER TABLE \`AspNetUsers\` MODIFY COLUMN \`PhoneNumber\` longtext CHARACTER SET utf8mb4 NULL;

      DELETE FROM \`__EFMigrationsHistory\`
      WHERE \`MigrationId\` = 'ID';

      COMMIT;"
    `);
  });
});
