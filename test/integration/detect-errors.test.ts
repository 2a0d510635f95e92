/** Every bad input: one clear line on stderr, exit 1, no stack trace, nothing written. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fixtureCopy(name: string): string {
  const dir = copyFixture(name);
  scratch.push(dir);
  return dir;
}

async function expectOneLineError(args: string[], dir: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  const before = treeDigest(dir);
  const result = await runCli(args, { env });
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(treeDigest(dir)).toBe(before);
  return result;
}

describe('detect errors', () => {
  it('not a .NET project', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-empty-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, 'README.md'), '# not an app\n');
    await expectOneLineError(['detect', '--project', dir], dir, /is not a \.NET project: no \.csproj, \.sln or \.slnx found/);
  });

  it('no Identity registration', async () => {
    const dir = fixtureCopy('webapp-sqlite');
    const program = path.join(dir, 'Program.cs');
    writeFileSync(program, readFileSync(program, 'utf8').replace(/builder\.Services\.AddDefaultIdentity[\s\S]*?;\n/, ''));
    await expectOneLineError(['detect', '--project', dir], dir, /no ASP\.NET Core Identity registration found/);
  });

  it('several web projects', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-two-'));
    scratch.push(dir);
    for (const name of ['ShopA', 'ShopB']) cpSync(fixtureCopy('webapp-sqlite'), path.join(dir, name), { recursive: true });
    const result = await expectOneLineError(['detect', '--project', dir], dir, /several web projects found: .*ShopA.*ShopB.*pass --project/);
    expect(result.stderr).toContain('SampleShop.csproj');
  });

  it('invalid csproj', async () => {
    const dir = fixtureCopy('webapp-sqlite');
    writeFileSync(path.join(dir, 'SampleShop.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n</Project>\n');
    await expectOneLineError(['detect', '--project', dir], dir, /SampleShop\.csproj is not valid XML/);
  });

  it('invalid appsettings.json', async () => {
    const dir = fixtureCopy('webapp-sqlite');
    writeFileSync(path.join(dir, 'appsettings.json'), '{\n  "ConnectionStrings": {\n    "DefaultConnection": "DataSource=app.db"\n  \n');
    await expectOneLineError(['detect', '--project', dir], dir, /appsettings\.json is not valid JSON \(\w+ at line \d+\)/);
  });

  it('connection string missing: the project is reported, the database part says why it was not read', async () => {
    const dir = fixtureCopy('webapp-sqlite');
    writeFileSync(path.join(dir, 'appsettings.json'), '{ "AllowedHosts": "*" }\n');
    await expectDatabaseNotRead(['detect', '--project', dir], dir, /connection string 'DefaultConnection' not found .*ConnectionStrings__DefaultConnection.*--connection/);
  });
});

/** detect reports the project and says in one line why the database was not read (exit 0, also in --json). */
async function expectDatabaseNotRead(args: string[], dir: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  const before = treeDigest(dir);
  const result = await runCli(args, { env });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/Identity\s+Add\w*Identity\w*</);
  expect(result.stdout).toMatch(/database\s+not read: /);
  const warnings = result.stderr
    .trim()
    .split('\n')
    .filter((l) => /database not read/.test(l));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const json = await runCli([...args, '--json'], { env });
  expect(json.code).toBe(0);
  const database = JSON.parse(json.stdout).database;
  expect(`${database.error} (${database.hint})`).toMatch(pattern);
  expect(treeDigest(dir)).toBe(before);
  return { stdout: result.stdout + json.stdout, stderr: result.stderr + json.stderr };
}

describe('detect database errors', () => {
  let pg: Materialized;
  let my: Materialized;
  let silent: net.Server;
  let silentPort = 0;
  beforeAll(async () => {
    pg = await materialize('guid-postgres');
    my = await materialize('multi-mysql');
    // A server on loopback that accepts connections and never answers: the connect timeout must fire.
    silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    silent.close();
    await pg.cleanup();
    await my.cleanup();
  });

  it('unreachable PostgreSQL names the host, not the password', async () => {
    const conn = 'Host=127.0.0.1;Port=1;Database=crm;Username=crm;Password=S3cret-unreachable';
    const result = await expectDatabaseNotRead(['detect', '--project', pg.dir], pg.dir, /cannot connect to PostgreSQL at 127\.0\.0\.1:1 .*connection refused/, {
      ConnectionStrings__Crm: conn,
    });
    expect(result.stderr + result.stdout).not.toContain('S3cret-unreachable');
  });

  it('a server that never answers hits the bounded timeout', async () => {
    const conn = `Host=127.0.0.1;Port=${silentPort};Database=crm;Username=crm;Password=S3cret-silent`;
    const result = await expectDatabaseNotRead(
      ['detect', '--project', pg.dir, '--connect-timeout', '1000'],
      pg.dir,
      /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ .*timed out/,
      { ConnectionStrings__Crm: conn },
    );
    expect(result.stderr + result.stdout).not.toContain('S3cret-silent');
  });

  it('wrong PostgreSQL password', async () => {
    const conn = pg.connectionString!.replace(/Password=[^;]+/, 'Password=Wrong-pw-123');
    const result = await expectDatabaseNotRead(['detect', '--project', pg.dir], pg.dir, /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ .*password authentication failed/, {
      ConnectionStrings__Crm: conn,
    });
    expect(result.stderr + result.stdout).not.toContain('Wrong-pw-123');
  });

  it('wrong MariaDB password, also when given with --connection', async () => {
    const conn = my.connectionString!.replace(/Password=[^;]+/, 'Password=Wrong-pw-456');
    const result = await expectDatabaseNotRead(
      ['detect', '--project', my.dir, '--connection', conn],
      my.dir,
      /cannot connect to MySQL\/MariaDB at 127\.0\.0\.1:\d+ .*access denied/i,
    );
    expect(result.stderr + result.stdout).not.toContain('Wrong-pw-456');
  });
});

describe('usage errors', () => {
  it('an unknown option exits 1 with commander’s message', async () => {
    const result = await runCli(['detect', '--frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('--help exits 0 and lists the command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('detect');
  });
});
