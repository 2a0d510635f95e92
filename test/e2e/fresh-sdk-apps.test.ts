/**
 * Apps generated in this run by the real SDK (`dotnet new webapp|mvc --auth Individual`), and a Version3 database
 * made by EF Core itself: the oracle for what detect must report.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** Every text file of an app rewritten as Visual Studio on Windows writes them: UTF-8 with a BOM, CRLF. */
function toBomCrlf(dir: string): string[] {
  const files: string[] = [];
  for (const rel of readdirSync(dir, { recursive: true }).map(String)) {
    const full = path.join(dir, rel);
    if (!/\.(cs|cshtml|csproj|json)$/.test(rel) || /(^|[\\/])(bin|obj)[\\/]/.test(rel) || !statSync(full).isFile()) continue;
    const text = readFileSync(full, 'utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n/g, '\n')
      .replace(/\n/g, '\r\n');
    writeFileSync(full, '\uFEFF' + text);
    files.push(rel);
  }
  return files;
}

describe.each(['FreshPages', 'FreshMvc'])('a fresh `dotnet new` %s app saved as UTF-8 with BOM and CRLF', (name) => {
  it('is upgraded and builds, and every file it edits keeps its BOM and CRLF', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `pkm-bomcrlf-${name}-`));
    try {
      // A new app of its own (the one above has been moved to Version3 already).
      await dotnet(['new', name === 'FreshPages' ? 'webapp' : 'mvc', '--auth', 'Individual', '-o', dir, '-n', name, '--no-restore'], work);
      const converted = toBomCrlf(dir);
      const before = Object.fromEntries(converted.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
      const result = await runCli(['upgrade', '--yes', '--project', dir]);
      expect(result.code, result.stderr).toBe(0);
      const edited = converted.filter((f) => readFileSync(path.join(dir, f), 'utf8') !== before[f]);
      expect(edited.length).toBeGreaterThanOrEqual(2); // Program.cs and the model snapshot (the template is on net10.0 already)
      for (const f of edited) {
        const bytes = readFileSync(path.join(dir, f));
        expect(bytes.subarray(0, 3).toString('hex'), f).toBe('efbbbf');
        expect(/(^|[^\r])\n/.test(bytes.toString('utf8')), `${f} has a line ending in LF alone`).toBe(false);
      }
      const build = await dotnet(['build', '-nologo', '-clp:NoSummary'], dir);
      expect(build.stdout).toMatch(/Build succeeded/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
