/**
 * Apps generated in this run by the real SDK (`dotnet new webapp|mvc --auth Individual`), and a Version3 database
 * made by EF Core itself: the oracle for what detect must report.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dotnet, dotnetEf } from '../helpers/dotnet.js';
import { runCli } from '../helpers/run.js';

let work: string;
beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pkm-fresh-'));
  await dotnet(['new', 'webapp', '--auth', 'Individual', '-o', 'FreshPages', '--no-restore'], work);
  await dotnet(['new', 'mvc', '--auth', 'Individual', '-o', 'FreshMvc', '--no-restore'], work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function detect(dir: string) {
  const result = await runCli(['detect', '--json', '--project', dir]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe.each(['FreshPages', 'FreshMvc'])('a fresh `dotnet new` %s app', (name) => {
  it('is Identity UI default pages on SQLite with IdentityUser, string keys and a Version1 database', async () => {
    const report = await detect(path.join(work, name));
    expect(report.project).toMatchObject({
      uiShape: 'identity-ui-default',
      provider: 'sqlite',
      userType: 'IdentityUser',
      keyType: 'string',
      dbContext: 'ApplicationDbContext',
      schemaVersion: { configured: null, effective: 1 },
    });
    expect(report.project.targetFramework).toMatch(/^net\d+\.0$/);
    expect(report.database).toMatchObject({ exists: true, schemaVersion: 1, passkeysTable: 'absent', userKeyColumnType: 'TEXT' });
  });
});

describe('a database that EF Core itself moved to Identity schema Version3', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(work, 'FreshPages');
    const program = path.join(dir, 'Program.cs');
    writeFileSync(
      program,
      readFileSync(program, 'utf8').replace(
        'options => options.SignIn.RequireConfirmedAccount = true)',
        'options => { options.SignIn.RequireConfirmedAccount = true; options.Stores.SchemaVersion = IdentitySchemaVersions.Version3; })',
      ),
    );
    await dotnet(['restore'], dir);
    await dotnetEf(['migrations', 'add', 'AddPasskeySupport'], dir);
    await dotnetEf(['database', 'update'], dir);
  }, 600_000);

  it('reports schema version 3 in code and in the database, with the passkeys table as EF made it', async () => {
    const report = await detect(dir);
    expect(report.project.schemaVersion).toEqual({ configured: 'Version3', effective: 3 });
    expect(report.project.migrations.snapshotHasPasskeys).toBe(true);
    expect(report.database.passkeysTableProblems).toEqual([]);
    expect(report.database).toMatchObject({ schemaVersion: 3, passkeysTable: 'present' });
    expect(report.database.appliedMigrations.map((m: { id: string }) => m.id).at(-1)).toMatch(/^\d{14}_AddPasskeySupport$/);
  });

  it('reports a passkeys table that differs from EF’s as a mismatch, saying how', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dir, 'app.db'));
    db.exec('ALTER TABLE AspNetUserPasskeys DROP COLUMN Data');
    db.close();
    const report = await detect(dir);
    expect(report.database.passkeysTable).toBe('mismatch');
    expect(report.database.passkeysTableProblems).toEqual(['column Data is missing']);
  });
});
