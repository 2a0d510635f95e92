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
import type { ColumnInfo, IdentityTableRole, ProviderName, TableRef, TableShape } from '../../src/model/schema.js';
import { compareShape, passkeyTableOps, planPasskeyMigration } from '../../src/plan/passkey-migration.js';

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

describe("mysql with Oracle's provider: the passkey data as columns", () => {
  const tables = Object.fromEntries(Object.entries(ROLES).map(([role, name]) => [role, { name: role === 'users' ? 'Users' : name, schema: null }])) as Record<
    IdentityTableRole,
    TableRef
  >;
  const ops = passkeyTableOps('mysql', 'int', { ...tables, userPasskeys: { name: 'AspNetUserPasskeys', schema: null } }, 'columns');
  // The table as MariaDB 10.11's catalog reports the one EF creates (SHOW CREATE TABLE in docs/mysql.md).
  const reported: [string, string, boolean][] = [
    ['CredentialId', 'varbinary(1024)', false],
    ['UserId', 'int(11)', false],
    ['Data_PublicKey', 'longblob', false],
    ['Data_Name', 'longtext', true],
    ['Data_CreatedAt', 'datetime(6)', false],
    ['Data_SignCount', 'int(10) unsigned', false],
    ['Data_Transports', 'longtext', true],
    ['Data_IsUserVerified', 'tinyint(1)', false],
    ['Data_IsBackupEligible', 'tinyint(1)', false],
    ['Data_IsBackedUp', 'tinyint(1)', false],
    ['Data_AttestationObject', 'longblob', false],
    ['Data_ClientDataJson', 'longblob', false],
  ];
  const shape = (columns: [string, string, boolean][]): TableShape => ({
    columns: columns.map(([name, type, nullable]) => column(name, type, nullable)),
    primaryKey: { name: 'PRIMARY', columns: ['CredentialId'] },
    foreignKeys: [{ name: 'FK_AspNetUserPasskeys_Users_UserId', columns: ['UserId'], principalTable: 'Users', principalColumns: ['Id'], onDelete: 'CASCADE' }],
    indexes: [{ name: 'IX_AspNetUserPasskeys_UserId', columns: ['UserId'], unique: false }],
  });

  it('the catalog spelling of the table EF creates agrees (display widths, tinyint(1) for bool)', () => {
    expect(compareShape('mysql', shape(reported), ops)).toEqual([]);
  });

  it('Identity’s JSON column instead, or a bool column as a wider tinyint, is named', () => {
    expect(compareShape('mysql', shape([...reported.slice(0, 2), ['Data', 'longtext', false]]), ops)).toEqual(
      expect.arrayContaining(['column Data_PublicKey is missing', 'unexpected column Data']),
    );
    const wide = reported.map((c): [string, string, boolean] => (c[0] === 'Data_IsBackedUp' ? [c[0], 'tinyint(4)', c[2]] : c));
    expect(compareShape('mysql', shape(wide), ops)).toEqual(['column Data_IsBackedUp is tinyint(4), expected tinyint(1)']);
  });
});
