/**
 * `add --yes` is all or nothing. Faults thrown at it on real SQLite and PostgreSQL databases: read-only folders,
 * files and databases, locks held elsewhere (a stale EF lock row, LOCK TABLE, SQLite's write lock), data a
 * narrowing would cut, a role without the rights, missing Identity tables, a zero-byte database, full disks (a
 * small tmpfs, and injected write failures mid-file), Ctrl-C and SIGKILL during the file writes. After each:
 * every file hashes exactly as before (or as an uninterrupted run, after a kill and a re-run), no temp file or
 * backup remains, the schema and every row are as before, one line on stderr, the documented exit code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqlite, efScript, materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';
import { execute, seedUsers } from '../helpers/seed.js';
import { pgSettings } from '../helpers/services.js';
import { fileHashes, leftovers, postgresState, sqliteState, type DatabaseState } from '../helpers/state.js';

const made: Materialized[] = [];
const immutable: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const target of immutable.splice(0)) execFileSync('chattr', ['-i', target]);
});
afterAll(async () => {
  for (const m of made) await m.cleanup();
  for (const dir of mounts) execFileSync('umount', [dir]);
});

function chattr(target: string): void {
  execFileSync('chattr', ['+i', target]);
  immutable.push(target);
}

interface Engine {
  name: string;
  fixture: string;
  state: (m: Materialized) => Promise<DatabaseState>;
  seed: (m: Materialized) => Promise<void>;
}

const sqlite: Engine = {
  name: 'SQLite',
  fixture: 'webapp-sqlite',
  state: (m) => sqliteState(path.join(m.dir, 'app.db')),
  seed: (m) => seedUsers({ kind: 'sqlite', target: path.join(m.dir, 'app.db'), users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'string' }, 20),
};
const postgres: Engine = {
  name: 'PostgreSQL',
  fixture: 'guid-postgres',
  state: (m) => postgresState(m.database!, 'auth'),
  seed: (m) => seedUsers({ kind: 'postgres', target: m.database!, schema: 'auth', users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'uuid' }, 20),
};

async function app(engine: Engine): Promise<Materialized> {
  const m = await materialize(engine.fixture);
  made.push(m);
  await engine.seed(m);
  return m;
}

interface Snapshot {
  files: Record<string, string>;
  db: DatabaseState;
}

async function snapshot(engine: Engine, m: Materialized): Promise<Snapshot> {
  return { files: fileHashes(m.dir), db: await engine.state(m) };
}

/** The run failed with one line, the documented exit code, and left the project and database exactly as they were. */
async function expectUnchanged(engine: Engine, m: Materialized, before: Snapshot, result: { code: number; stderr: string }, message: RegExp, code = 1) {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/this is a bug/);
  expect(fileHashes(m.dir)).toEqual(before.files);
  expect(leftovers(m.dir)).toEqual([]);
  expect(await engine.state(m)).toEqual(before.db);
}

describe.each([sqlite, postgres])('add --yes on $name, faults before or during the writes', (engine) => {
  it('a read-only migrations folder: refused before anything is written', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    chattr(path.join(m.dir, 'Data', 'Migrations'));
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    await expectUnchanged(engine, m, before, result, /^error: cannot write into the folder Data\/Migrations: it is read-only .*nothing was changed/);
  });

  it('a read-only project file: refused before anything is written', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    const csproj = readdirSync(m.dir).find((f) => f.endsWith('.csproj'))!;
    chattr(path.join(m.dir, csproj));
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    await expectUnchanged(engine, m, before, result, new RegExp(`^error: cannot write ${csproj.replace('.', '\\.')}: it is read-only`));
  });

  it('the Identity users table is missing: refused, nothing created', async () => {
    const m = await app(engine);
    if (engine === sqlite) await execute({ kind: 'sqlite', target: path.join(m.dir, 'app.db') }, ['PRAGMA foreign_keys = OFF', 'DROP TABLE "AspNetUsers"']);
    else await execute({ kind: 'postgres', target: m.database! }, ['DROP TABLE auth."AspNetUsers" CASCADE']);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    await expectUnchanged(engine, m, before, result, /^error: the database cannot be migrated as it is: the database has no (auth\.)?AspNetUsers table/);
  });

  it('Ctrl-C while the files are written: everything is put back (exit 130)', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_FAULT: 'file#4=sigint' } });
    await expectUnchanged(engine, m, before, result, /^interrupted \(SIGINT\): nothing changed$/, 130);
    const term = await runCli(['add', '--yes', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_FAULT: 'createTable=sigterm' } });
    await expectUnchanged(engine, m, before, term, /^interrupted \(SIGTERM\): nothing changed$/, 143);
  });

  it.each(['write#1', 'write#9', 'write#20'])('the disk fills up at %s (an injected ENOSPC mid-file): every file is put back', async (point) => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_FAULT: `${point}=enospc` } });
    await expectUnchanged(engine, m, before, result, /^error: cannot write .+: no space left on the device \(ENOSPC\)/);
  });

  it('SIGKILL during the file writes: a re-run finishes as an uninterrupted run would, and undo restores the start', async () => {
    const reference = await app(engine);
    expect((await runCli(['add', '--yes', '--project', reference.dir], { env: reference.env })).code).toBe(0);
    const expected = fileHashes(reference.dir, { neutralIds: true, skip: ['.passkey-migrate'] });

    const m = await app(engine);
    const start = await snapshot(engine, m);
    const killed = await runCli(['add', '--yes', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_FAULT: 'file#7' } });
    expect(killed.code).not.toBe(0);
    // The database step had not committed: it is as before, and undo of the half-written add restores the files.
    expect(await engine.state(m)).toEqual(start.db);
    const undone = await runCli(['undo', '--yes', '--project', m.dir], { env: m.env });
    expect(undone.code, undone.stderr).toBe(0);
    expect(fileHashes(m.dir)).toEqual(start.files);
    expect(await engine.state(m)).toEqual(start.db);

    const again = await runCli(['add', '--yes', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_FAULT: 'file#3' } });
    expect(again.code).not.toBe(0);
    const rerun = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(fileHashes(m.dir, { neutralIds: true, skip: ['.passkey-migrate'] })).toEqual(expected);
    expect(leftovers(m.dir)).toEqual([]);
    expect((await runCli(['add', '--check', '--project', m.dir], { env: m.env })).code).toBe(0);
  });
});

describe('add --yes on SQLite, faults of the database file and its locks', () => {
  const engine = sqlite;

  it('a read-only database file: refused before anything is written', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    chattr(path.join(m.dir, 'app.db'));
    const result = await runCli(['add', '--yes', '--project', m.dir]);
    await expectUnchanged(engine, m, before, result, /^error: cannot write the SQLite database .*app\.db: it is read-only/);
  });

  it('a zero-byte database: refused as empty, nothing created in it', async () => {
    const m = await app(engine);
    truncateSync(path.join(m.dir, 'app.db'), 0);
    const files = fileHashes(m.dir);
    const result = await runCli(['add', '--yes', '--project', m.dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^error: the database cannot be migrated as it is: the database is empty \(no Identity tables\)/);
    expect(fileHashes(m.dir)).toEqual(files);
    expect(readFileSync(path.join(m.dir, 'app.db')).length).toBe(0);
  });

  it("a stale EF lock row past --lock-timeout: refused before anything is written, naming the row's time", async () => {
    const m = await app(engine);
    await execute({ kind: 'sqlite', target: path.join(m.dir, 'app.db') }, [
      'CREATE TABLE "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL)',
      `INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-11-24 10:00:00+00:00')`,
    ]);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--lock-timeout', '600', '--project', m.dir]);
    await expectUnchanged(
      engine,
      m,
      before,
      result,
      /^error: timed out after 1s waiting for EF Core's migration lock \(__EFMigrationsLock\), held since 2026-11-24 10:00:00\+00:00/,
    );
  });

  it('another process holding the SQLite write lock: refused within --lock-timeout', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    const { default: Database } = await import('better-sqlite3');
    const holder = new Database(path.join(m.dir, 'app.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const result = await runCli(['add', '--yes', '--lock-timeout', '700', '--project', m.dir]);
      holder.exec('ROLLBACK');
      await expectUnchanged(engine, m, before, result, /^error: .*(another process is writing to it|SQLITE_BUSY)/);
    } finally {
      holder.close();
    }
  });
});

describe('add --yes on a full disk (a small tmpfs)', () => {
  const root = process.getuid?.() === 0;
  it.runIf(root).each([8, 96])('with %i KB free: refused by the space check before anything is written', async (freeKb) => {
    const source = await materialize('webapp-sqlite');
    made.push(source);
    const used = Number(execFileSync('du', ['-sk', source.dir], { encoding: 'utf8' }).split(/\s/)[0]);
    const mount = mkdtempSync(path.join(os.tmpdir(), 'pkm-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${used + freeKb + 64}k`, 'tmpfs', mount]);
    mounts.push(mount);
    const dir = path.join(mount, 'app');
    cpSync(source.dir, dir, { recursive: true });
    // Fill the disk up to the wanted free space.
    const free = () => Number(execFileSync('df', ['-k', '--output=avail', mount], { encoding: 'utf8' }).trim().split('\n').pop());
    const filler = Math.max(0, free() - freeKb);
    if (filler > 0) writeFileSync(path.join(mount, 'filler'), Buffer.alloc(filler * 1024));
    const m = { ...source, dir };
    const before = await snapshot(sqlite, m);
    const result = await runCli(['add', '--yes', '--project', dir]);
    await expectUnchanged(
      sqlite,
      m,
      before,
      result,
      /^error: not enough disk space to write the plan: .* needed on the disk of .*, .* free|^error: .*(no space left|disk is full)/,
    );
    rmSync(path.join(mount, 'filler'), { force: true });
  });
});

describe('add --yes on PostgreSQL, faults of rights, locks and data', () => {
  const engine = postgres;

  it('another session holding LOCK TABLE on the history (as EF does while it migrates): refused within --lock-timeout, naming it', async () => {
    const m = await app(engine);
    const before = await snapshot(engine, m);
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ ...pgSettings(m.database!), application_name: 'dotnet-ef-standin' });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE');
    try {
      // The bound holds for the reads before the lock too (not as long as the other session likes): the holder
      // keeps its lock until the run has answered.
      const result = await runCli(['add', '--yes', '--lock-timeout', '1500', '--project', m.dir], { env: m.env });
      await holder.query('ROLLBACK');
      await expectUnchanged(
        engine,
        m,
        before,
        result,
        /timed out after 2s waiting for the migration lock on __EFMigrationsHistory, held by pid \d+ \(user postgres, application 'dotnet-ef-standin'/,
      );
    } finally {
      await holder.end();
    }
  });

  it('PhoneNumber values longer than Version3 allows: refused, naming the rows, before anything is written', async () => {
    const m = await app(engine);
    await execute({ kind: 'postgres', target: m.database! }, [`UPDATE auth."AspNetUsers" SET "PhoneNumber" = repeat('9', 300) WHERE "UserName" = 'user1@example.test'`]);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    await expectUnchanged(engine, m, before, result, /^error: refusing to shorten AspNetUsers\.PhoneNumber to 256 characters: 1 row holds longer values/);
  });

  it('a database user without CREATE or ownership: refused before anything is written, naming the rights', async () => {
    const m = await app(engine);
    const role = `pkm_app_${m.database!.slice(4)}`;
    await execute({ kind: 'postgres', target: m.database! }, [
      `CREATE ROLE ${role} LOGIN PASSWORD 'app-pw-1'`,
      `GRANT CONNECT ON DATABASE ${m.database} TO ${role}`,
      `GRANT USAGE ON SCHEMA auth, public TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA auth, public TO ${role}`,
      `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
    ]);
    const before = await snapshot(engine, m);
    const p = pgSettings(m.database!);
    const env = { ...m.env, ConnectionStrings__Crm: `Host=${p.host};Port=${p.port};Database=${m.database};Username=${role};Password=app-pw-1` };
    const result = await runCli(['add', '--yes', '--project', m.dir], { env });
    await expectUnchanged(engine, m, before, result, /^error: the database user may not make these changes: CREATE on schema auth; .*ownership of AspNetUsers/);
    expect(result.stderr).not.toContain('app-pw-1');
  });

  it('a read-only database (default_transaction_read_only): refused, nothing written', async () => {
    const m = await app(engine);
    await execute({ kind: 'postgres', target: m.database! }, [`ALTER DATABASE ${m.database} SET default_transaction_read_only = on`]);
    const before = await snapshot(engine, m);
    const result = await runCli(['add', '--yes', '--project', m.dir], { env: m.env });
    await expectUnchanged(engine, m, before, result, /the database is read-only/);
  });
});

describe('files passkey-migrate cannot read or edit as they are', () => {
  it.each([
    {
      name: 'a UTF-16 Program.cs',
      setup: (dir: string) =>
        writeFileSync(path.join(dir, 'Program.cs'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(path.join(dir, 'Program.cs'), 'utf8'), 'utf16le')])),
      message: /^error: .*Program\.cs is UTF-16 encoded; passkey-migrate edits UTF-8 files only \(save it as UTF-8/,
    },
    {
      name: 'a Windows-1252 (not UTF-8) layout',
      setup: (dir: string) =>
        writeFileSync(
          path.join(dir, 'Pages', 'Shared', '_Layout.cshtml'),
          Buffer.concat([readFileSync(path.join(dir, 'Pages', 'Shared', '_Layout.cshtml')), Buffer.from('<!-- caf\xe9 -->\n', 'latin1')]),
        ),
      message: /^error: .*_Layout\.cshtml is not valid UTF-8 \(line \d+\); passkey-migrate will not re-encode it/,
    },
    {
      name: 'a folder where a file is written',
      setup: (dir: string) => mkdirSync(path.join(dir, 'Passkeys', 'PasskeyAccount.cs'), { recursive: true }),
      message: /^error: .*Passkeys\/PasskeyAccount\.cs is a folder, where passkey-migrate needs to write a file/,
    },
    {
      name: 'a symbolic link loop',
      setup: (dir: string) => {
        rmSync(path.join(dir, 'Program.cs'));
        execFileSync('ln', ['-s', 'Program.cs', path.join(dir, 'Program.cs')]);
      },
      message: /^error: cannot read .*Program\.cs: a symbolic link loop \(ELOOP\)/,
    },
  ])('$name: one line naming the file, nothing written', async ({ setup, message }) => {
    const m = await app(sqlite);
    setup(m.dir);
    const before = await snapshot(sqlite, m);
    const result = await runCli(['add', '--yes', '--project', m.dir]);
    await expectUnchanged(sqlite, m, before, result, message);
  });
});

describe('db rollback with nothing to roll back', () => {
  it('says so and writes nothing (no EF lock table, no history table)', async () => {
    const m = await materialize('webapp-sqlite');
    made.push(m);
    const file = path.join(m.dir, 'app.db');
    const before = await sqliteState(file);
    const result = await runCli(['db', 'rollback', '--project', m.dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/nothing to roll back/);
    expect(await sqliteState(file)).toEqual(before);

    const empty = mkdtempSync(path.join(os.tmpdir(), 'pkm-nohistory-'));
    cpSync(m.dir, empty, { recursive: true });
    rmSync(path.join(empty, 'app.db'));
    await createSqlite(
      path.join(empty, 'app.db'),
      efScript('webapp-sqlite', 'sqlite')
        .replace(/CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory"[^;]*;/, '')
        .replace(/INSERT INTO "__EFMigrationsHistory"[^;]*;/g, ''),
    );
    const noHistory = await sqliteState(path.join(empty, 'app.db'));
    expect((await runCli(['db', 'rollback', '--project', empty])).code).toBe(0);
    expect(await sqliteState(path.join(empty, 'app.db'))).toEqual(noHistory);
    rmSync(empty, { recursive: true, force: true });
  });
});

void mkdirSync;
