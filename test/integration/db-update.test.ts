/** db update / --check / rollback on real SQLite, PostgreSQL and MariaDB databases made by EF's scripts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { checksums, dumpMysql, dumpPostgres, dumpSqlite, type Dump } from '../helpers/dbdump.js';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { execute, seedUsers, type SeedTarget } from '../helpers/seed.js';
import { runCli } from '../helpers/run.js';

interface Engine {
  name: string;
  fixture: string;
  seed: (m: Materialized) => SeedTarget;
  dump: (m: Materialized) => Promise<Dump>;
  passkeyInsert: (m: Materialized) => string;
  narrows: boolean;
  /** every Identity table, for the row checksums */
  tables: string[];
}

const ASPNET = ['AspNetUsers', 'AspNetUserClaims', 'AspNetUserLogins', 'AspNetUserTokens', 'AspNetRoles', 'AspNetUserRoles', 'AspNetRoleClaims'];

const sqliteFile = (m: Materialized) => path.join(m.dir, 'app.db');
const engines: Engine[] = [
  {
    name: 'SQLite',
    fixture: 'webapp-sqlite',
    seed: (m) => ({ kind: 'sqlite', target: sqliteFile(m), users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'string' }),
    // EF's lock table stays once created, by EF as by us: the schema proper is everything else.
    dump: (m) => dumpSqlite(sqliteFile(m), { ignore: /__EFMigrationsLock/ }),
    passkeyInsert: () => `INSERT INTO "AspNetUserPasskeys" ("CredentialId", "UserId", "Data") SELECT randomblob(16), "Id", '{}' FROM "AspNetUsers" LIMIT 2`,
    narrows: false,
    tables: ASPNET,
  },
  {
    name: 'PostgreSQL',
    fixture: 'guid-postgres',
    seed: (m) => ({ kind: 'postgres', target: m.database!, schema: 'auth', users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'uuid' }),
    dump: (m) => dumpPostgres(m.database!),
    passkeyInsert: () =>
      `INSERT INTO auth."AspNetUserPasskeys" ("CredentialId", "UserId", "Data") SELECT '\\x0102'::bytea || "Id"::text::bytea, "Id", '{}' FROM auth."AspNetUsers" LIMIT 2`,
    narrows: true,
    tables: ASPNET,
  },
  {
    name: 'MariaDB',
    fixture: 'multi-mysql',
    seed: (m) => ({ kind: 'mysql', target: m.database!, users: 'Users', claims: 'UserClaims', logins: 'UserLogins', key: 'int' }),
    dump: (m) => dumpMysql(m.database!),
    passkeyInsert: () => "INSERT INTO `AspNetUserPasskeys` (`CredentialId`, `UserId`, `Data`) SELECT CAST(`Id` AS BINARY), `Id`, '{}' FROM `Users` LIMIT 2",
    narrows: true,
    tables: ['Users', 'UserClaims', 'UserLogins', 'UserTokens', 'Roles', 'UserRoles', 'RoleClaims'],
  },
];

async function rowSums(engine: Engine, m: Materialized) {
  const seed = engine.seed(m);
  return checksums(
    seed.kind,
    seed.target,
    engine.tables.map((name) => ({ name, schema: seed.schema, orderBy: '1, 2' })),
  );
}

describe.each(engines)('$name', (engine) => {
  let m: Materialized;
  let pristine: Dump;
  let rowsBefore: Awaited<ReturnType<typeof rowSums>>;
  const cli = (...args: string[]) => runCli([...args, '--project', m.dir], { env: m.env });

  beforeAll(async () => {
    m = await materialize(engine.fixture);
    await seedUsers(engine.seed(m), 30);
    pristine = await engine.dump(m);
    rowsBefore = await rowSums(engine, m);
    expect(rowsBefore[engine.tables[0]!]!.rows).toBe(30);
  });
  afterAll(async () => m.cleanup());

  it('--check says pending (2), update applies, a re-run changes nothing, --check then says 0', async () => {
    const check = await cli('db', 'update', '--check');
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/pending \d{14}_AddPasskeySupport/);
    expect(check.stdout).toContain('create table');

    const applied = await cli('db', 'update');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^applied \d{14}_AddPasskeySupport/);
    if (engine.narrows) expect(applied.stdout).toMatch(/change .*PhoneNumber from .+ to .*\(256\)/);
    const once = await engine.dump(m);
    expect(once.history).toHaveLength(pristine.history.length + 1);

    const again = await cli('db', 'update');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^up to date: .* has \d{14}_AddPasskeySupport/);
    expect(await engine.dump(m)).toEqual(once);
    expect((await cli('db', 'update', '--check')).code).toBe(0);

    // Nothing lost: the same rows, byte for byte, in every Identity table.
    expect(await rowSums(engine, m)).toEqual(rowsBefore);
    const detect = JSON.parse((await cli('detect', '--json')).stdout);
    expect(detect.database).toMatchObject({ schemaVersion: 3, passkeysTable: 'present' });
  });

  it('rollback refuses while passkeys exist, then with --force restores the earlier schema exactly', async () => {
    await execute(engine.seed(m), [engine.passkeyInsert(m)]);
    const refused = await cli('db', 'rollback');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/AspNetUserPasskeys holds 2 passkeys; rolling back deletes them .*--force/);
    const forced = await cli('db', 'rollback', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/rolled back \d{14}_AddPasskeySupport/);
    expect(await engine.dump(m)).toEqual(pristine);
    expect((await cli('db', 'update', '--check')).code).toBe(2);
    const nothing = await cli('db', 'rollback');
    expect(nothing.stdout).toContain('nothing to roll back');
  });
});

describe.each(engines.filter((e) => e.narrows))('$name data-loss guard', (engine) => {
  let m: Materialized;
  beforeAll(async () => {
    m = await materialize(engine.fixture);
    await seedUsers(engine.seed(m), 5);
    await seedUsers(engine.seed(m), 2, { start: 100, phone: () => '9'.repeat(300) });
  });
  afterAll(async () => m.cleanup());

  it('refuses to cut PhoneNumber values, names the rows, changes nothing; --keep-existing-columns goes ahead', async () => {
    const before = await engine.dump(m);
    const refused = await runCli(['db', 'update', '--project', m.dir], { env: m.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to shorten (AspNetUsers|Users)\.PhoneNumber to 256 characters: 2 rows hold longer values \(Id \S+, \S+\) .*--keep-existing-columns/);
    expect(await engine.dump(m)).toEqual(before);
    const kept = await runCli(['db', 'update', '--keep-existing-columns', '--project', m.dir], { env: m.env });
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).not.toContain('PhoneNumber');
    const after = await engine.dump(m);
    expect(after.schema.join('\n')).not.toMatch(/PhoneNumber" character varying\(256\)|`PhoneNumber` varchar\(256\)/);
  });
});

describe('partial states on SQLite and PostgreSQL', () => {
  for (const fixture of ['webapp-sqlite', 'guid-postgres']) {
    it(`${fixture}: a table without its index, or without its history row, is completed; a different table is reported`, async () => {
      const m = await materialize(fixture);
      try {
        const cli = (...args: string[]) => runCli([...args, '--project', m.dir], { env: m.env });
        const target = fixture === 'webapp-sqlite' ? { kind: 'sqlite' as const, target: path.join(m.dir, 'app.db') } : { kind: 'postgres' as const, target: m.database! };
        const table = fixture === 'webapp-sqlite' ? '"AspNetUserPasskeys"' : 'auth."AspNetUserPasskeys"';
        const history = '"__EFMigrationsHistory"';
        expect((await cli('db', 'update')).code).toBe(0);
        // Without the index and the history row: both come back.
        await execute(target, [
          `DROP INDEX ${fixture === 'webapp-sqlite' ? '' : 'auth.'}"IX_AspNetUserPasskeys_UserId"`,
          `DELETE FROM ${history} WHERE "MigrationId" LIKE '%_AddPasskeySupport'`,
        ]);
        const check = await cli('db', 'update', '--check');
        expect(check.code).toBe(2);
        expect(check.stdout).not.toContain('create table');
        expect(check.stdout).toContain('create index IX_AspNetUserPasskeys_UserId');
        const completed = await cli('db', 'update');
        expect(completed.code, completed.stderr).toBe(0);
        expect((await cli('db', 'update', '--check')).code).toBe(0);
        // Without the index only (the history row kept): the index comes back, nothing else is run.
        await execute(target, [`DROP INDEX ${fixture === 'webapp-sqlite' ? '' : 'auth.'}"IX_AspNetUserPasskeys_UserId"`]);
        const indexOnly = await cli('db', 'update', '--check');
        expect(indexOnly.code).toBe(2);
        expect(indexOnly.stdout).toContain('create index IX_AspNetUserPasskeys_UserId');
        expect(indexOnly.stdout).not.toMatch(/create table|record \d{14}_AddPasskeySupport/);
        const reindexed = await cli('db', 'update');
        expect(reindexed.code, reindexed.stderr).toBe(0);
        expect((await cli('db', 'update', '--check')).code).toBe(0);
        // db rollback still restores the schema from before the migration (the first run's journal is kept).
        const rolledBack = await cli('db', 'rollback');
        expect(rolledBack.code, rolledBack.stderr).toBe(0);
        expect((await cli('db', 'update', '--check')).code).toBe(2);
        expect((await cli('db', 'update')).code).toBe(0);
        // A table of the same name but another shape: reported precisely, nothing done.
        await execute(target, [
          `DELETE FROM ${history} WHERE "MigrationId" LIKE '%_AddPasskeySupport'`,
          `DROP TABLE ${table}`,
          `CREATE TABLE ${table} ("CredentialId" ${fixture === 'webapp-sqlite' ? 'BLOB' : 'bytea'} PRIMARY KEY, "Name" text)`,
        ]);
        const blocked = await cli('db', 'update');
        expect(blocked.code).toBe(1);
        expect(blocked.stderr).toMatch(
          /AspNetUserPasskeys exists but differs from what EF Core creates: .*column UserId is missing; column Data is missing; unexpected column Name; foreign key FK_AspNetUserPasskeys_AspNetUsers_UserId is missing/,
        );
      } finally {
        await m.cleanup();
      }
    });
  }
});

describe('SQL Server', () => {
  it('fails clearly when no server answers, naming the host and not the password', async () => {
    const result = await runCli([
      'db',
      'update',
      '--project',
      path.resolve(__dirname, '../../fixtures/mvc-sqlserver'),
      '--connection',
      'Server=tcp:127.0.0.1,1;Database=Ledger;User Id=ledger;Password=Ledger-secret-9;TrustServerCertificate=True',
      '--connect-timeout',
      '3000',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot connect to SQL Server at 127\.0\.0\.1:1 .*(refused|timed out)/);
    expect(result.stderr).not.toContain('Ledger-secret-9');
    expect(existsSync(path.resolve(__dirname, '../../fixtures/mvc-sqlserver/.passkey-migrate'))).toBe(false);
  });

  it('prints its script without a server', async () => {
    const result = await runCli(['db', 'update', '--script', '--project', path.resolve(__dirname, '../../fixtures/mvc-sqlserver')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('CREATE TABLE [AspNetUserPasskeys]');
    expect(readdirSync(path.resolve(__dirname, '../../fixtures/mvc-sqlserver'))).not.toContain('.passkey-migrate');
  });
});
