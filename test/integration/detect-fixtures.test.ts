/** `detect --json` on every fixture, against a real database that EF Core's own script created. */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

async function detectJson(m: Materialized, extraEnv: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const result = await runCli(['detect', '--json', '--project', m.dir, ...args], { env: { ...m.env, ...extraEnv } });
  expect(result.stderr, result.stderr).not.toMatch(/error/i);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('detect on the webapp-sqlite fixture (Identity UI default pages, net8.0)', () => {
  let m: Materialized;
  beforeAll(async () => (m = await materialize('webapp-sqlite')));
  afterAll(async () => m.cleanup());

  it('reports project, Identity and database facts', async () => {
    const report = await detectJson(m);
    expect(report.project).toMatchObject({
      path: 'SampleShop.csproj',
      targetFramework: 'net8.0',
      uiShape: 'identity-ui-default',
      userType: 'IdentityUser',
      roleType: null,
      keyType: 'string',
      dbContext: 'ApplicationDbContext',
      dbContextFile: 'Data/ApplicationDbContext.cs',
      provider: 'sqlite',
      identity: { method: 'AddDefaultIdentity', file: 'Program.cs', line: 13, via: null },
      schemaVersion: { configured: null, effective: 1 },
      maxLengthForKeys: { configured: null, effective: 128 },
      connectionString: { name: 'DefaultConnection', source: 'appsettings.json', value: 'DataSource=app.db;Cache=Shared' },
      bootstrap: { version: 5 },
      layout: 'Pages/Shared/_Layout.cshtml',
    });
    expect(report.project.packages).toContainEqual(expect.objectContaining({ id: 'Microsoft.EntityFrameworkCore.Sqlite', version: '8.0.34', versionFile: 'SampleShop.csproj' }));
    expect(report.project.migrations).toMatchObject({ folder: 'Data/Migrations', namespace: 'SampleShop.Data.Migrations', productVersion: '8.0.34' });
    expect(report.project.migrations.list).toHaveLength(1);
    expect(report.database).toMatchObject({
      provider: 'sqlite',
      exists: true,
      userKeyColumnType: 'TEXT',
      passkeysTable: 'absent',
      schemaVersion: 1,
    });
    expect(report.database.tables.users).toMatchObject({ name: 'AspNetUsers', exists: true });
    expect(report.database.appliedMigrations.map((x: { id: string }) => x.id)).toEqual(report.project.migrations.list);
  });

  it('prints a readable report without --json', async () => {
    const result = await runCli(['detect', '--project', m.dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('AddDefaultIdentity<IdentityUser> in Program.cs:13');
    expect(result.stdout).toMatch(/passkeys table\s+absent/);
  });
});

describe('detect on the scaffolded-pages fixture', () => {
  let m: Materialized;
  beforeAll(async () => (m = await materialize('scaffolded-pages')));
  afterAll(async () => m.cleanup());

  it('lists the scaffolded pages and takes the connection string from appsettings.Development.json', async () => {
    const report = await detectJson(m);
    expect(report.project.uiShape).toBe('identity-ui-scaffolded');
    expect(report.project.scaffoldedPages).toEqual(expect.arrayContaining(['Account/Login', 'Account/Logout', 'Account/Manage/Index', 'Account/Manage/_ManageNav']));
    expect(report.project.targetFramework).toBe('net9.0');
    expect(report.project.connectionString).toMatchObject({ name: 'BookingsDb', source: 'appsettings.Development.json', value: 'Data Source=bookings.db' });
    expect(report.project.bootstrap).toEqual({ version: 5, source: 'IdentityUIFrameworkVersion' });
    expect(report.database).toMatchObject({ exists: true, schemaVersion: 1, passkeysTable: 'absent' });
  });

  it('follows ASPNETCORE_ENVIRONMENT and lets ConnectionStrings__Name win', async () => {
    const production = await detectJson(m, { ASPNETCORE_ENVIRONMENT: 'Production' });
    expect(production.project.connectionString).toMatchObject({ source: 'appsettings.json', value: 'Data Source=/var/lib/bookings/bookings.db' });
    expect(production.database.exists).toBe(false);
    const fromEnv = await detectJson(m, { ConnectionStrings__BookingsDb: 'Data Source=bookings.db;Mode=ReadWriteCreate' });
    expect(fromEnv.project.connectionString.source).toBe('environment variable ConnectionStrings__BookingsDb');
    expect(fromEnv.database.exists).toBe(true);
  });
});

describe('detect on the mvc-startup fixture (Startup.cs, AccountController)', () => {
  let m: Materialized;
  beforeAll(async () => (m = await materialize('mvc-startup')));
  afterAll(async () => m.cleanup());

  it('finds the registration in Startup.cs and the MVC controllers', async () => {
    const report = await detectJson(m);
    expect(report.project).toMatchObject({
      uiShape: 'mvc-controllers',
      userType: 'ApplicationUser',
      roleType: 'IdentityRole',
      keyType: 'string',
      dbContext: 'LedgerDbContext',
      identity: { method: 'AddIdentity', file: 'Startup.cs' },
      maxLengthForKeys: { configured: null, effective: 0 },
      mvc: { accountController: 'Controllers/AccountController.cs', manageController: 'Controllers/ManageController.cs', loginView: 'Views/Account/Login.cshtml', area: null },
      layout: 'Views/Shared/_Layout.cshtml',
      bootstrap: { version: 4 },
    });
    expect(report.database).toMatchObject({ exists: true, userKeyColumnType: 'TEXT', schemaVersion: 1 });
  });
});

describe('detect on the guid-postgres fixture (Guid keys, schema auth, PostgreSQL)', () => {
  let m: Materialized;
  beforeAll(async () => (m = await materialize('guid-postgres')));
  afterAll(async () => m.cleanup());

  it('reports Guid keys, the auth schema and uuid columns, and never prints the password', async () => {
    const result = await runCli(['detect', '--json', '--project', m.dir], { env: m.env });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.project).toMatchObject({
      userType: 'ApplicationUser',
      roleType: 'IdentityRole<Guid>',
      keyType: 'Guid',
      provider: 'postgres',
      bootstrap: { version: 4, source: 'IdentityUIFrameworkVersion' },
      connectionString: { name: 'Crm', source: 'environment variable ConnectionStrings__Crm' },
    });
    expect(report.project.tables.users).toEqual({ name: 'AspNetUsers', schema: 'auth' });
    expect(report.database).toMatchObject({ provider: 'postgres', exists: true, userKeyColumnType: 'uuid', schemaVersion: 1, passkeysTable: 'absent' });
    expect(report.database.tables.userPasskeys).toMatchObject({ name: 'AspNetUserPasskeys', schema: 'auth', exists: false });
    const password = /Password=([^;]+)/.exec(m.connectionString!)![1]!;
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(report.project.connectionString.value).toContain('Password=***');
  });
});

describe('detect on the multi-mysql fixture (solution, class library, central packages, MariaDB)', () => {
  let m: Materialized;
  beforeAll(async () => (m = await materialize('multi-mysql')));
  afterAll(async () => m.cleanup());

  it('walks the solution and the referenced project', async () => {
    const report = await detectJson(m);
    expect(report.project).toMatchObject({
      path: 'src/Shop.Web/Shop.Web.csproj',
      solution: 'Shop.sln',
      targetFramework: 'net8.0',
      targetFrameworkSources: [{ file: 'build/common.props', property: 'TargetFramework', value: 'net8.0' }],
      sdkPin: { file: 'global.json', version: '8.0.400', rollForward: 'latestMajor' },
      centralPackageManagement: { file: 'Directory.Packages.props' },
      identity: { method: 'AddIdentityCore', file: 'src/Shop.Web/Infrastructure/IdentitySetup.cs', via: 'IdentitySetup.AddShopIdentity' },
      userType: 'ShopUser',
      roleType: 'ShopRole',
      keyType: 'int',
      dbContext: 'ShopDbContext',
      dbContextFile: 'src/Shop.Data/ShopDbContext.cs',
      dbContextProject: 'src/Shop.Data/Shop.Data.csproj',
      provider: 'mysql',
      maxLengthForKeys: { configured: 128, effective: 128 },
      migrations: { project: 'src/Shop.Data/Shop.Data.csproj', folder: 'src/Shop.Data/Migrations' },
      layout: 'src/Shop.Web/Pages/Shared/_Layout.cshtml',
    });
    expect(report.project.packages).toContainEqual(expect.objectContaining({ id: 'Microsoft.AspNetCore.Identity.UI', version: '8.0.34', versionFile: 'Directory.Packages.props' }));
    expect(report.project.tables.users).toEqual({ name: 'Users', schema: null });
    expect(report.project.tables.userPasskeys).toEqual({ name: 'AspNetUserPasskeys', schema: null });
    expect(report.database).toMatchObject({ provider: 'mysql', exists: true, schemaVersion: 1, passkeysTable: 'absent' });
    expect(report.database.userKeyColumnType).toMatch(/^int(\(11\))?$/);
    expect(report.database.tables.userLogins).toMatchObject({ name: 'UserLogins', exists: true });
  });

  it('accepts the folder, the .sln and the .csproj alike', async () => {
    for (const target of ['Shop.sln', 'src/Shop.Web/Shop.Web.csproj']) {
      const result = await runCli(['detect', '--json', '--skip-db', '--project', `${m.dir}/${target}`], { env: m.env });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).project.name).toBe('Shop.Web');
    }
  });
});

describe('an app whose sign-in lives in a module project (SimplCommerce’s shape)', () => {
  it('detect says unsupported naming the controller; add refuses the UI with the same reason and --skip-ui goes on', async () => {
    const m = await materialize('mvc-startup');
    try {
      // The account controller and its views move to a module the web project references.
      const module = path.join(m.dir, '..', `${path.basename(m.dir)}-Core`);
      mkdirSync(path.join(module, 'Areas', 'Core', 'Controllers'), { recursive: true });
      writeFileSync(
        path.join(module, 'Ledger.Module.Core.csproj'),
        '<Project Sdk="Microsoft.NET.Sdk.Razor">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n',
      );
      renameSync(path.join(m.dir, 'Controllers', 'AccountController.cs'), path.join(module, 'Areas', 'Core', 'Controllers', 'AccountController.cs'));
      const csproj = path.join(m.dir, 'Ledger.csproj');
      writeFileSync(
        csproj,
        readFileSync(csproj, 'utf8').replace(
          '</Project>',
          `  <ItemGroup>\n    <ProjectReference Include="../${path.basename(module)}/Ledger.Module.Core.csproj" />\n  </ItemGroup>\n</Project>`,
        ),
      );
      const detected = await runCli(['detect', '--skip-db', '--project', m.dir]);
      expect(detected.code).toBe(0);
      expect(detected.stdout).toMatch(
        /^supported: no \(the app signs users in with an AccountController in another project \(.*Areas\/Core\/Controllers\/AccountController\.cs\), a module passkey-migrate does not edit/m,
      );
      const refused = await runCli(['add', '--yes', '--skip-db', '--offline', '--project', m.dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/AccountController in another project .*--skip-ui/);
      const skipped = await runCli(['add', '--yes', '--skip-db', '--offline', '--skip-ui', '--project', m.dir]);
      expect(skipped.code, skipped.stderr).toBe(0);
      rmSync(module, { recursive: true, force: true });
    } finally {
      await m.cleanup();
    }
  });
});
