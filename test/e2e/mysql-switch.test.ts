/**
 * MySQL/MariaDB on .NET 10 through `add --switch-mysql-provider` (docs/mysql.md), on the multi-project fixture
 * (Pomelo 8 migrations, int keys, renamed tables, central package management) with a real MariaDB database:
 * the switched app builds, EF Core agrees with it, our database equals the one EF's own script makes (SHOW CREATE
 * TABLE of every table and the history rows), and Chromium registers, signs in, renames and deletes a passkey
 * (rename is the step users of Oracle's provider report failing). Without the flag, `add` stops and names it.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { findBrowser, openBrowser, type BrowserSession } from '../../src/verify/browser.js';
import { Flow, IDENTITY_PAGES, runPasskeyFlow } from '../../src/verify/flows.js';
import { installClientLibs } from '../helpers/client-libs.js';
import { dumpMysql } from '../helpers/dbdump.js';
import { exec } from '../helpers/dotnet.js';
import { copyFixture, createMysql, efScript, materialize, type Materialized, type ScratchDatabase } from '../helpers/fixtures.js';
import { repoRoot, runCli, treeDigest } from '../helpers/run.js';

const web = (dir: string) => path.join(dir, 'src', 'Shop.Web');
const efArgs = (dir: string) => ['--project', path.join(dir, 'src', 'Shop.Data'), '--startup-project', web(dir)];
const ef = (args: string[], dir: string, env: NodeJS.ProcessEnv) => exec('dotnet', ['tool', 'run', 'dotnet-ef', '--', ...args, ...efArgs(dir)], { cwd: repoRoot, env });

describe('add --switch-mysql-provider on multi-mysql (MariaDB)', () => {
  let app: Materialized;
  let added: Awaited<ReturnType<typeof runCli>>;
  let theirs: ScratchDatabase | undefined;
  let running: RunningApp | undefined;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    app = await materialize('multi-mysql');
    installClientLibs(web(app.dir), 5);
    added = await runCli(['add', '--project', app.dir, '--yes', '--switch-mysql-provider'], { env: app.env });
    expect(added.code, added.stderr).toBe(0);
    await buildApp(app.dir);
  }, 400_000);

  afterAll(async () => {
    await session?.close();
    await running?.stop();
    await theirs?.drop();
    await app?.cleanup();
  });

  it('says what it switches and why, and the migration files are EF’s own', () => {
    expect(added.stdout).toMatch(/Pomelo\.EntityFrameworkCore\.MySql 8\.0\.3 -> MySql\.EntityFrameworkCore 10\.\d+\.\d+/);
    expect(added.stdout + added.stderr).toMatch(/Pomelo has no EF Core 10 release\. UseMySql\(connection, serverVersion, \.\.\.\) -> UseMySQL\(connection, \.\.\.\)/);
    expect(added.stdout).toContain('(written by dotnet ef)');
    const setup = readFileSync(path.join(web(app.dir), 'Infrastructure', 'IdentitySetup.cs'), 'utf8');
    expect(setup).toContain('options.UseMySQL(connectionString,\n                mysql => mysql.MigrationsAssembly("Shop.Data")));');
    expect(setup).not.toMatch(/ServerVersion|UseMySql\(/);
    const props = readFileSync(path.join(app.dir, 'Directory.Packages.props'), 'utf8');
    expect(props).toMatch(/<PackageVersion Include="MySql\.EntityFrameworkCore" Version="10\.\d+\.\d+" \/>/);
    expect(props).not.toContain('Pomelo');
  });

  it('EF Core agrees: no pending model changes', async () => {
    const pending = await ef(['migrations', 'has-pending-model-changes', '--no-build'], app.dir, app.env);
    expect(pending.stdout + pending.stderr).toContain('No changes have been made to the model since the last migration.');
  }, 120_000);

  it('our database equals the one EF’s own script makes: SHOW CREATE TABLE of every table and the history rows', async () => {
    // EF's script from the Pomelo-made database on: Oracle's `database update` cannot run on MariaDB (docs/mysql.md).
    const initial = '20261124202255_CreateIdentitySchema';
    const script = await ef(['migrations', 'script', initial, '--no-build'], app.dir, app.env);
    expect(script.code, script.stderr).toBe(0);
    theirs = await createMysql(efScript('multi-mysql', 'mysql') + '\n' + script.stdout.replace(/^\uFEFF/, ''));
    const ours = await dumpMysql(app.database!);
    const efs = await dumpMysql(theirs.database);
    expect(ours.schema.find((t) => t.startsWith('CREATE TABLE `AspNetUserPasskeys`'))).toContain('`Data_CreatedAt` datetime(6) NOT NULL');
    expect(ours.schema).toEqual(efs.schema);
    expect(ours.history).toEqual(efs.history);
    expect(ours.history).toEqual([expect.stringMatching(/^20261124202255_CreateIdentitySchema /), expect.stringMatching(/^\d{14}_AddPasskeySupport 10\.0\.\d+$/)]);
  }, 120_000);

  it('Chromium registers, adds a passkey, signs in with it, renames and deletes it', async () => {
    running = await startApp(web(app.dir), { env: { ...process.env, ...app.env } });
    session = await openBrowser(findBrowser());
    const id = randomBytes(4).toString('hex');
    const flow = new Flow(session, {
      baseUrl: running.url,
      profile: IDENTITY_PAGES,
      email: `user-${id}@example.test`,
      password: `Pk-${id}-Test!9`,
      passkeyName: 'Work laptop',
      renamedTo: 'Work laptop (renamed on MariaDB)',
      timeoutMs: 15_000,
      screenshotDir: path.join(app.dir, '.failures'),
    });
    const results = await runPasskeyFlow(flow);
    expect(
      results.filter((r) => !r.ok),
      JSON.stringify(results, null, 1) + running.output(),
    ).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(expect.arrayContaining([expect.stringMatching(/rename/i), expect.stringMatching(/delete/i)]));
  }, 180_000);

  it('then add has nothing left to do, and detect sees the passkeys table EF expects', async () => {
    const again = await runCli(['add', '--project', app.dir, '--check', '--switch-mysql-provider'], { env: app.env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const detect = await runCli(['detect', '--project', app.dir, '--json'], { env: app.env });
    expect(detect.code, detect.stderr).toBe(0);
    const report = JSON.parse(detect.stdout);
    expect(report.database.passkeysTable).toBe('present');
    expect(report.database.passkeysTableProblems).toEqual([]);
  }, 180_000);
});

/** The fixture with its provider call written another way. */
function withSetup(replace: (text: string) => string): string {
  const dir = copyFixture('multi-mysql');
  const file = path.join(web(dir), 'Infrastructure', 'IdentitySetup.cs');
  writeFileSync(file, replace(readFileSync(file, 'utf8')));
  return dir;
}
const CALL = 'options.UseMySql(connectionString, new MariaDbServerVersion(new Version(10, 11, 0)),';

describe('the provider call, written other ways', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("an option only Pomelo's builder has: refused with its line, nothing written", async () => {
    const dir = withSetup((t) =>
      t.replace('mysql => mysql.MigrationsAssembly("Shop.Data")', 'mysql => mysql.MigrationsAssembly("Shop.Data").EnableStringComparisonTranslations()'),
    );
    dirs.push(dir);
    const before = treeDigest(dir);
    const result = await runCli(['upgrade', '--yes', '--offline', '--switch-mysql-provider', '--project', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: IdentitySetup\.cs:15: EnableStringComparisonTranslations\(\.\.\.\) is an option of Pomelo's provider that Oracle's MySql\.EntityFrameworkCore does not have \(remove it/,
    );
    expect(treeDigest(dir)).toBe(before);
  });

  it('a server version in a variable used elsewhere too: refused with its line', async () => {
    const dir = withSetup((t) =>
      t
        .replace(
          'var connectionString',
          'var serverVersion = ServerVersion.AutoDetect(configuration.GetConnectionString("ShopDb"));\n        Console.WriteLine(serverVersion);\n        var connectionString',
        )
        .replace(CALL, 'options.UseMySql(connectionString, serverVersion,'),
    );
    dirs.push(dir);
    const result = await runCli(['upgrade', '--yes', '--offline', '--switch-mysql-provider', '--project', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: IdentitySetup\.cs:16: the server version serverVersion given to UseMySql is used elsewhere too/);
  });

  it('a server version in a variable of its own, and a Pomelo using: both go, the options keep their line', async () => {
    const dir = withSetup((t) =>
      t
        .replace('using Microsoft.EntityFrameworkCore;', 'using Microsoft.EntityFrameworkCore;\nusing Pomelo.EntityFrameworkCore.MySql.Infrastructure;')
        .replace('var connectionString', 'var serverVersion = ServerVersion.AutoDetect(configuration.GetConnectionString("ShopDb"));\n        var connectionString')
        .replace(CALL, 'options.UseMySql(connectionString, serverVersion,'),
    );
    dirs.push(dir);
    const result = await runCli(['upgrade', '--yes', '--switch-mysql-provider', '--project', dir]);
    expect(result.code, result.stderr).toBe(0);
    const setup = readFileSync(path.join(web(dir), 'Infrastructure', 'IdentitySetup.cs'), 'utf8');
    expect(setup).not.toMatch(/Pomelo|serverVersion|ServerVersion/);
    expect(setup).toContain(
      '        var connectionString = configuration.GetConnectionString("ShopDb");\n        services.AddDbContext<ShopDbContext>(options =>\n            options.UseMySQL(connectionString,\n',
    );
    expect(readdirSync(path.join(dir, 'src', 'Shop.Data', 'Migrations')).filter((f) => /_AddPasskeySupport\.cs$/.test(f))).toHaveLength(1);
  }, 240_000);
});

describe('an app that migrates at startup, with SchemaBehavior(Ignore) and commented usings (mysql-startup-migrate)', () => {
  let app: Materialized;
  beforeAll(async () => {
    app = await materialize('mysql-startup-migrate');
  });
  afterAll(async () => app?.cleanup());

  it('add on MariaDB stops before any write, naming the Migrate() call and why it would fail there', async () => {
    const before = treeDigest(app.dir);
    const result = await runCli(['add', '--project', app.dir, '--yes', '--switch-mysql-provider'], { env: app.env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: the server is MariaDB \([^)]*MariaDB[^)]*\) and the app calls Database\.Migrate\(\) \(src\/Shop\.Web\/Program\.cs:16\): Oracle's MySql\.EntityFrameworkCore 10\.\d+\.\d+ takes EF's migration lock with GET_LOCK\(name, -1\), which MariaDB refuses/,
    );
    expect(result.stderr).toContain('nothing was written');
    expect(treeDigest(app.dir)).toBe(before);
  });

  it('the switch removes the no-op SchemaBehavior(Ignore) and the Pomelo using with its comment; the other comments stay', async () => {
    const before = treeDigest(app.dir);
    const result = await runCli(['upgrade', '--dry-run', '--offline', '--switch-mysql-provider', '--project', app.dir]);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout + result.stderr;
    expect(out).toContain('\n-using Pomelo.EntityFrameworkCore.MySql.Infrastructure; // MySqlSchemaBehavior\n');
    expect(out).toContain('\n+                mysql => mysql.MigrationsAssembly("Shop.Data"))); // MariaDB has no schemas\n');
    expect(out).toMatch(/removed SchemaBehavior\(Ignore\) \(src\/Shop\.Web\/Infrastructure\/IdentitySetup\.cs\), which changes nothing in a model without schemas/);
    expect(out).toMatch(/the app calls Database\.Migrate\(\) \(src\/Shop\.Web\/Program\.cs:16\): on MariaDB/);
    expect(out).not.toContain('-using Microsoft.EntityFrameworkCore; // Database.Migrate()');
    expect(treeDigest(app.dir)).toBe(before);
  });

  it('with a schema in the model, SchemaBehavior is not a no-op: refused with both lines', async () => {
    const dir = copyFixture('multi-mysql');
    try {
      cpSync(path.join(repoRoot, 'fixtures', 'mysql-startup-migrate', 'overlay'), dir, { recursive: true });
      const context = path.join(dir, 'src', 'Shop.Data', 'ShopDbContext.cs');
      writeFileSync(context, readFileSync(context, 'utf8').replace('ToTable("Users")', 'ToTable("Users", "shop")'));
      const before = treeDigest(dir);
      const result = await runCli(['upgrade', '--yes', '--offline', '--switch-mysql-provider', '--project', dir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^error: IdentitySetup\.cs:16: SchemaBehavior\(\.\.\.\) is an option of Pomelo's provider that Oracle's MySql\.EntityFrameworkCore does not have, and the model names a schema \(ShopDbContext\.cs:19\)/,
      );
      expect(treeDigest(dir)).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('without --switch-mysql-provider', () => {
  it('add stops with one line that names the flag; nothing is written', async () => {
    const app = await materialize('multi-mysql');
    try {
      const before = treeDigest(app.dir);
      const result = await runCli(['add', '--project', app.dir, '--yes'], { env: app.env });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(
        /^error: Pomelo\.EntityFrameworkCore\.MySql has no EF Core 10 release .*Pass --switch-mysql-provider to move the app to Oracle's MySql\.EntityFrameworkCore 10\.\d+\.\d+ \(/,
      );
      expect(treeDigest(app.dir)).toBe(before);
    } finally {
      await app.cleanup();
    }
  });
});
