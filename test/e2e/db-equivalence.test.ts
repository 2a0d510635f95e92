/**
 * The schema we create equals the schema EF Core's own AddPasskeySupport migration creates: the same pre-passkey
 * database (made by EF's script, with users in it) is migrated once by `dotnet ef database update` and once by
 * `passkey-migrate db update`, and the engine-native dumps (tables, columns, types, nullability, defaults, keys,
 * foreign keys with delete rules, indexes) and the history rows must be identical. Our SQL script must also be
 * EF's script, statement for statement. No user row may change.
 */
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksums, dumpPostgres, dumpSqlite } from '../helpers/dbdump.js';
import { copyFixture, copyPostgres, createPostgres, createSqlite, efScript as fixtureScript } from '../helpers/fixtures.js';
import { efDatabaseUpdate, efOracleApp, efScript } from '../helpers/oracle.js';
import { seedUsers } from '../helpers/seed.js';
import { runCli } from '../helpers/run.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const normalizeScript = (text: string) => text.replace(/\r\n/g, '\n').replace(/\s+$/g, '').trim();

async function ours(args: string[]) {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe.each([
  { fixture: 'webapp-sqlite', dbFile: 'app.db' },
  { fixture: 'mvc-startup', dbFile: 'ledger.db' },
])('SQLite: $fixture', ({ fixture, dbFile }) => {
  it('our database equals the one EF migrates, our script is EF’s script, and no row changes', async () => {
    const app = await efOracleApp(fixture);
    cleanups.push(() => rmSync(app.dir, { recursive: true, force: true }));
    const work = copyFixture(fixture);
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const before = path.join(work, 'before.db');
    await createSqlite(before, fixtureScript(fixture, 'sqlite'));
    await seedUsers({ kind: 'sqlite', target: before, users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'string' }, 25);
    const ourDb = path.join(work, 'ours.db');
    copyFileSync(before, ourDb);
    copyFileSync(before, path.join(app.dir, dbFile));

    await efDatabaseUpdate(app);
    const result = await ours(['db', 'update', '--project', app.dir, '--connection', `Data Source=${ourDb}`]);
    expect(result.stdout).toContain(`applied ${app.migrationId}`);

    const theirs = await dumpSqlite(path.join(app.dir, dbFile));
    const mine = await dumpSqlite(ourDb);
    expect(mine.schema).toEqual(theirs.schema);
    expect(mine.history).toEqual(theirs.history);
    expect(mine.history.at(-1)).toBe(`${app.migrationId} 10.0.15`);

    const tables = ['AspNetUsers', 'AspNetUserClaims', 'AspNetUserLogins', 'AspNetRoles', 'AspNetUserRoles', 'AspNetUserTokens', 'AspNetRoleClaims'].map((name) => ({
      name,
      orderBy: '1, 2',
    }));
    expect(await checksums('sqlite', ourDb, tables)).toEqual(await checksums('sqlite', before, tables));

    const script = await ours(['db', 'update', '--script', '--project', app.dir]);
    expect(normalizeScript(script.stdout)).toBe(normalizeScript(await efScript(app)));
  });
});

describe('PostgreSQL: guid-postgres (Guid keys, schema auth, PhoneNumber reshaped)', () => {
  it('our database equals the one EF migrates, our script is EF’s script, and no row changes', async () => {
    const app = await efOracleApp('guid-postgres');
    cleanups.push(() => rmSync(app.dir, { recursive: true, force: true }));
    const before = await createPostgres(fixtureScript('guid-postgres', 'postgres'));
    cleanups.push(before.drop);
    const seed = {
      kind: 'postgres' as const,
      target: before.database,
      schema: 'auth',
      users: 'AspNetUsers',
      claims: 'AspNetUserClaims',
      logins: 'AspNetUserLogins',
      key: 'uuid' as const,
    };
    await seedUsers(seed, 25);
    // Same content in all three: the seeded database copied twice.
    const mineDb = await copyPostgres(before.database);
    const theirsDb = await copyPostgres(before.database);
    cleanups.push(mineDb.drop, theirsDb.drop);

    await efDatabaseUpdate(app, { ConnectionStrings__Crm: theirsDb.connectionString });
    await ours(['db', 'update', '--project', app.dir, '--connection', mineDb.connectionString]);

    const theirs = await dumpPostgres(theirsDb.database);
    const mine = await dumpPostgres(mineDb.database);
    expect(mine.schema).toEqual(theirs.schema);
    expect(mine.history).toEqual(theirs.history);
    expect(mine.schema.join('\n')).toContain('"PhoneNumber" character varying(256)');

    const tables = ['AspNetUsers', 'AspNetUserClaims', 'AspNetUserLogins'].map((name) => ({ name, schema: 'auth', orderBy: '1' }));
    expect(await checksums('postgres', mineDb.database, tables)).toEqual(await checksums('postgres', before.database, tables));

    const script = await ours(['db', 'update', '--script', '--project', app.dir]);
    expect(normalizeScript(script.stdout)).toBe(normalizeScript(await efScript(app)));
    const idempotent = await ours(['db', 'update', '--script', '--idempotent', '--project', app.dir]);
    expect(normalizeScript(idempotent.stdout)).toBe(normalizeScript(await efScript(app, { idempotent: true })));
  });

  it('--keep-existing-columns equals EF’s migration for the app configured to keep its columns', async () => {
    const app = await efOracleApp('guid-postgres', { keepExistingColumns: true });
    cleanups.push(() => rmSync(app.dir, { recursive: true, force: true }));
    const mineDb = await createPostgres(fixtureScript('guid-postgres', 'postgres'));
    const theirsDb = await createPostgres(fixtureScript('guid-postgres', 'postgres'));
    cleanups.push(mineDb.drop, theirsDb.drop);
    await efDatabaseUpdate(app, { ConnectionStrings__Crm: theirsDb.connectionString });
    await ours(['db', 'update', '--keep-existing-columns', '--project', app.dir, '--connection', mineDb.connectionString]);
    const mine = await dumpPostgres(mineDb.database);
    const theirs = await dumpPostgres(theirsDb.database);
    expect(mine.schema.filter((s) => !theirs.schema.includes(s))).toEqual([]);
    expect(mine.schema).toEqual(theirs.schema);
    expect(mine.schema.join('\n')).toContain('"PhoneNumber" text');
  });
});

describe('SQL Server: mvc-sqlserver (no server here: EF’s own script is the oracle)', () => {
  it('our script and our idempotent script are EF’s, key columns and PhoneNumber reshaped included', async () => {
    const app = await efOracleApp('mvc-sqlserver');
    cleanups.push(() => rmSync(app.dir, { recursive: true, force: true }));
    const script = await ours(['db', 'update', '--script', '--project', app.dir]);
    const expected = await efScript(app);
    expect(expected).toContain('ALTER COLUMN [LoginProvider] nvarchar(128)');
    expect(normalizeScript(script.stdout)).toBe(normalizeScript(expected));
    const idempotent = await ours(['db', 'update', '--script', '--idempotent', '--project', app.dir]);
    expect(normalizeScript(idempotent.stdout)).toBe(normalizeScript(await efScript(app, { idempotent: true })));
  });
});
