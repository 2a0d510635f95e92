/**
 * `passkey-migrate upgrade` on every fixture, proven by the .NET SDK and EF Core: the app builds, EF reports no
 * pending model changes, EF's own `migrations add AddPasskeySupport` writes the same three files we wrote, the
 * database update is accepted by EF, and a second run changes nothing.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFixture, createSqlite, efScript as fixtureScript } from '../helpers/fixtures.js';
import { dotnet, dotnetEf, exec } from '../helpers/dotnet.js';
import { runCli, treeDigest } from '../helpers/run.js';

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

const cases = [
  { fixture: 'webapp-sqlite', migrations: 'Data/Migrations', sqlite: 'app.db' },
  { fixture: 'scaffolded-pages', migrations: 'Data/Migrations', sqlite: 'bookings.db' },
  { fixture: 'mvc-startup', migrations: 'Data/Migrations', sqlite: 'ledger.db' },
  { fixture: 'guid-postgres', migrations: 'Data/Migrations' },
  { fixture: 'mvc-sqlserver', migrations: 'Data/Migrations' },
];

function filesOf(dir: string) {
  const ours = readdirSync(dir)
    .filter((f) => /_AddPasskeySupport(\.Designer)?\.cs$/.test(f))
    .sort();
  const snapshot = readdirSync(dir).find((f) => f.endsWith('ModelSnapshot.cs'))!;
  const id = ours[0]!.replace(/\.(Designer\.)?cs$/, '');
  return { id, ours, snapshot };
}

describe.each(cases)('$fixture', ({ fixture, migrations, sqlite }) => {
  it('builds, satisfies EF, equals EF’s own migration, and a re-run changes nothing', async () => {
    const dir = copyFixture(fixture);
    scratch.push(dir);
    const first = await runCli(['upgrade', '--yes', '--project', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/done: 5 files written/);

    // Re-running changes nothing: same bytes, same mtimes.
    const digest = treeDigest(dir);
    const again = await runCli(['upgrade', '--yes', '--project', dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^up to date: /);
    expect(treeDigest(dir)).toBe(digest);
    expect((await runCli(['upgrade', '--check', '--project', dir])).code).toBe(0);

    const build = await dotnet(['build', '-nologo', '-clp:NoSummary'], dir);
    expect(build.stdout).toMatch(/Build succeeded/);
    const ourWarnings = build.stdout.split('\n').filter((l) => /warning CS/.test(l) && /(Program|Startup)\.cs|Migrations[\\/]|DbContext\.cs/.test(l));
    expect(ourWarnings).toEqual([]);
    const pending = await dotnetEf(['migrations', 'has-pending-model-changes', '--no-build'], dir);
    expect(pending.stdout).toContain('No changes have been made to the model since the last migration.');

    // EF's own migration, in a copy of the upgraded app without ours: the same three files.
    const theirs = copyFixture(fixture);
    scratch.push(theirs);
    const migrationDir = path.join(dir, migrations);
    const theirsDir = path.join(theirs, migrations);
    const { id, ours, snapshot } = filesOf(migrationDir);
    for (const f of readdirSync(dir)) if (/\.(cs|csproj|json)$/.test(f)) copyFileSync(path.join(dir, f), path.join(theirs, f));
    await dotnet(['restore'], theirs);
    await dotnetEf(['migrations', 'add', 'AddPasskeySupport', '-o', migrations], theirs);
    const efFiles = filesOf(theirsDir);
    const normalize = (text: string) => text.split(efFiles.id).join('<id>').split(id).join('<id>');
    for (let i = 0; i < ours.length; i++) {
      expect(normalize(readFileSync(path.join(migrationDir, ours[i]!), 'utf8')), ours[i]).toBe(normalize(readFileSync(path.join(theirsDir, efFiles.ours[i]!), 'utf8')));
    }
    expect(readFileSync(path.join(migrationDir, snapshot), 'utf8')).toBe(readFileSync(path.join(theirsDir, efFiles.snapshot), 'utf8'));

    if (sqlite) {
      // The database, updated by us, is what EF expects: nothing pending, and EF's own update has nothing to do.
      await createSqlite(path.join(dir, sqlite), fixtureScript(fixture, 'sqlite'));
      const update = await runCli(['db', 'update', '--project', dir]);
      expect(update.code, update.stderr).toBe(0);
      expect(update.stdout).toContain(`applied ${id}`);
      const list = await dotnetEf(['migrations', 'list', '--no-build'], dir);
      expect(list.stdout).toContain(id);
      expect(list.stdout).not.toMatch(/\(Pending\)/);
      const efUpdate = await dotnetEf(['database', 'update', '--no-build'], dir);
      expect(efUpdate.stdout).toMatch(/No migrations were applied. The database is already up to date|Done\./);
    }
  });
});

describe('what upgrade refuses', () => {
  it('a MySQL app whose provider has no .NET 10 version: one line, exit 1, nothing written', async () => {
    const dir = copyFixture('multi-mysql');
    scratch.push(dir);
    const before = treeDigest(dir);
    const result = await runCli(['upgrade', '--yes', '--project', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: Pomelo\.EntityFrameworkCore\.MySql has no EF Core 10 release on .+\(the project's NuGet sources: .*9\.0\.0\), and Identity's passkeys \(schema Version3\) need EF Core 10; Pomelo 9 does not run on it\. Pass --switch-mysql-provider to move the app to Oracle's MySql\.EntityFrameworkCore 10\.0\.12 \(the switch renames the package, .*dotnet\/aspnetcore#64939\).*docs\/mysql\.md.*PomeloFoundation\/Pomelo\.EntityFrameworkCore\.MySql#2007\)\s*$/,
    );
    expect(treeDigest(dir)).toBe(before);
  });

  it('--switch-mysql-provider with --skip-retarget: one line, nothing written', async () => {
    const dir = copyFixture('multi-mysql');
    scratch.push(dir);
    const before = treeDigest(dir);
    const result = await runCli(['upgrade', '--yes', '--project', dir, '--switch-mysql-provider', '--skip-retarget']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--switch-mysql-provider.*--skip-retarget/);
    expect(treeDigest(dir)).toBe(before);
  });

  it('detect says supported: no with the same reason, offline too', async () => {
    const dir = copyFixture('multi-mysql');
    scratch.push(dir);
    const result = await runCli(['detect', '--skip-db', '--json', '--project', dir]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.supported).toBe('no');
    expect(report.reasons).toEqual([
      expect.stringMatching(/^Pomelo\.EntityFrameworkCore\.MySql has no EF Core 10 release \(no NuGet source was asked or answered\), and Identity's passkeys/),
    ]);
  });
});

describe('edits keep the user’s formatting', () => {
  it('Startup.cs with #region and #if gains exactly one line', async () => {
    const dir = copyFixture('mvc-startup');
    scratch.push(dir);
    const before = readFileSync(path.join(dir, 'Startup.cs'), 'utf8');
    expect((await runCli(['upgrade', '--yes', '--project', dir, '--offline'])).code).toBe(0);
    const after = readFileSync(path.join(dir, 'Startup.cs'), 'utf8');
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(added).toEqual(['                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;']);
    expect(after.replace(added[0]! + '\n', '')).toBe(before);
  });
});

describe.each(['webapp', 'mvc'])('a fresh `dotnet new %s --auth Individual` app', (template) => {
  it('builds and satisfies EF after upgrade; the migration equals EF’s own', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), `pkm-new-${template}-`));
    scratch.push(work);
    await dotnet(['new', template, '--auth', 'Individual', '-o', 'App', '--no-restore'], work);
    const dir = path.join(work, 'App');
    const result = await runCli(['upgrade', '--yes', '--project', dir]);
    expect(result.code, result.stderr).toBe(0);
    await dotnet(['build', '-nologo'], dir);
    const pending = await dotnetEf(['migrations', 'has-pending-model-changes', '--no-build'], dir);
    expect(pending.stdout).toContain('No changes have been made to the model since the last migration.');
    // EF's own, from the same upgraded project minus our files.
    await dotnet(['new', template, '--auth', 'Individual', '-o', 'Theirs', '--no-restore'], work);
    const theirs = path.join(work, 'Theirs');
    for (const f of ['Program.cs']) copyFileSync(path.join(dir, f), path.join(theirs, f));
    copyFileSync(path.join(dir, 'App.csproj'), path.join(theirs, 'Theirs.csproj'));
    writeFileSync(path.join(theirs, 'Program.cs'), readFileSync(path.join(theirs, 'Program.cs'), 'utf8').replace(/\bApp\.Data\b/g, 'Theirs.Data'));
    await dotnet(['restore'], theirs);
    await dotnetEf(['migrations', 'add', 'AddPasskeySupport', '-o', 'Data/Migrations'], theirs);
    const ours = filesOf(path.join(dir, 'Data', 'Migrations'));
    const efs = filesOf(path.join(theirs, 'Data', 'Migrations'));
    // New files follow the project's line endings (the template's are CRLF); EF on Linux writes LF: compared by content.
    const normalize = (text: string, id: string, ns: string) => text.replace(/\r\n/g, '\n').split(id).join('<id>').split(`${ns}.Data`).join('<ns>.Data');
    const migrationFile = (files: string[]) => files.find((f) => !f.endsWith('.Designer.cs'))!;
    expect(normalize(readFileSync(path.join(dir, 'Data', 'Migrations', migrationFile(ours.ours)), 'utf8'), ours.id, 'App')).toBe(
      normalize(readFileSync(path.join(theirs, 'Data', 'Migrations', migrationFile(efs.ours)), 'utf8'), efs.id, 'Theirs'),
    );
  });
});

describe('--keep-existing-columns', () => {
  it('configures the DbContext so that EF agrees with a database that kept its columns', async () => {
    const dir = copyFixture('guid-postgres');
    scratch.push(dir);
    const result = await runCli(['upgrade', '--yes', '--keep-existing-columns', '--project', dir]);
    expect(result.code, result.stderr).toBe(0);
    const context = readFileSync(path.join(dir, 'Data', 'CrmDbContext.cs'), 'utf8');
    expect(context).toContain('builder.Entity<ApplicationUser>().Property(u => u.PhoneNumber).Metadata.SetMaxLength(null);');
    const migration = readdirSync(path.join(dir, 'Data', 'Migrations')).find((f) => /_AddPasskeySupport\.cs$/.test(f))!;
    expect(readFileSync(path.join(dir, 'Data', 'Migrations', migration), 'utf8')).not.toContain('AlterColumn');
    await dotnet(['build', '-nologo'], dir);
    const pending = await dotnetEf(['migrations', 'has-pending-model-changes', '--no-build'], dir);
    expect(pending.stdout).toContain('No changes have been made to the model since the last migration.');
  });
});

describe('an app without EF migrations (EnsureCreated)', () => {
  it('says so, writes no migration, and still retargets and switches the schema version', async () => {
    const dir = copyFixture('webapp-sqlite');
    scratch.push(dir);
    rmSync(path.join(dir, 'Data', 'Migrations'), { recursive: true, force: true });
    const result = await runCli(['upgrade', '--yes', '--project', dir, '--offline']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/the app has no EF Core migrations \(it may call EnsureCreated\): no migration files are written/);
    expect(result.stdout).toContain('update Program.cs');
    expect(result.stdout).not.toContain('AddPasskeySupport.cs');
    expect(readdirSync(path.join(dir, 'Data'))).toEqual(['ApplicationDbContext.cs']);
  });
});

describe('a package the app pins below what the .NET 10 packages need', () => {
  it('is raised to what NuGet says they need (NU1605), listed in the plan, and the app builds; without the raise it would not', async () => {
    const dir = copyFixture('mvc-sqlserver');
    scratch.push(dir);
    const csproj = path.join(dir, 'Ledger.csproj');
    writeFileSync(csproj, readFileSync(csproj, 'utf8').replace('  </ItemGroup>', '    <PackageReference Include="Azure.Identity" Version="1.11.4" />\n  </ItemGroup>'));
    const dry = await runCli(['upgrade', '--dry-run', '--project', dir]);
    expect(dry.code, dry.stderr).toBe(0);
    const raised = /Azure\.Identity 1\.11\.4 -> (\d+\.\d+\.\d+)\s+\(needed by Microsoft\.EntityFrameworkCore\.SqlServer \(NuGet NU1605\)\)/.exec(dry.stdout);
    expect(raised, dry.stdout).not.toBeNull();
    const result = await runCli(['upgrade', '--yes', '--project', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(csproj, 'utf8')).toContain(`<PackageReference Include="Azure.Identity" Version="${raised![1]}" />`);
    const build = await dotnet(['build', '-nologo', '-clp:NoSummary'], dir);
    expect(build.stdout).toMatch(/Build succeeded/);
    // The oracle: the same upgraded project with the old pin is refused by NuGet.
    writeFileSync(csproj, readFileSync(csproj, 'utf8').replace(`Version="${raised![1]}"`, 'Version="1.11.4"'));
    const refused = await exec('dotnet', ['restore', '-nologo'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/NU1605.*Azure\.Identity/);
  });
});
