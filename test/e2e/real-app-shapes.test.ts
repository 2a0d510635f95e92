/**
 * Shapes real apps have, each a fixture written here: the target framework and package versions in
 * Directory.Packages.props with version properties (multi-project, the DbContext in a library registered by an
 * extension method with an environment branch, Identity through a generic helper); #define / #if / #elif
 * registrations with options as a method group, a custom store derived from EF Core's, BOM + CRLF everywhere and
 * the connection string from the launch profile; a design-time DbContext factory. For each: `add --yes`, then the
 * real SDK builds it with no new compiler warning, EF reports no pending model change and `dotnet ef migrations add
 * Next` is empty; the multi-project and #if apps register and sign in with a passkey in Chromium. And the app with
 * passkey support of its own is refused, naming what it has.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { findBrowser, openBrowser } from '../../src/verify/browser.js';
import { Flow, IDENTITY_PAGES, runPasskeyFlow } from '../../src/verify/flows.js';
import { installClientLibs } from '../helpers/client-libs.js';
import { exec } from '../helpers/dotnet.js';
import { copyFixture, materialize, type Materialized } from '../helpers/fixtures.js';
import { repoRoot, runCli, treeDigest } from '../helpers/run.js';
import { fileHashes } from '../helpers/state.js';

const cases = [
  { fixture: 'cpm-layered', web: 'src/Portal.Web', data: 'src/Portal.Infrastructure', browser: true },
  { fixture: 'preprocessor-bom', web: '.', data: '.', browser: true, release: true, bomCrlf: true },
  { fixture: 'design-factory', web: '.', data: '.', browser: false },
];

/** The compiler warnings of a build, as "code file" (the line may move). */
function compilerWarnings(output: string): Set<string> {
  const out = new Set<string>();
  for (const m of output.matchAll(/([^\s(]+\.cs)\(\d+,\d+\): warning (CS\d+)/g)) out.add(`${m[2]} ${path.basename(m[1]!)}`);
  return out;
}

async function build(dir: string, configuration = 'Debug') {
  const result = await exec('dotnet', ['build', '-nologo', '-c', configuration, '-clp:NoSummary'], { cwd: dir });
  expect(
    result.code,
    result.stdout
      .split('\n')
      .filter((l) => /error/.test(l))
      .slice(0, 5)
      .join('\n'),
  ).toBe(0);
  return compilerWarnings(result.stdout);
}

async function ef(args: string[], web: string, data: string) {
  const result = await exec('dotnet', ['tool', 'run', 'dotnet-ef', '--', ...args, '--project', data, '--startup-project', web], { cwd: repoRoot });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

describe.each(cases)('$fixture', ({ fixture, web, data, browser, release, bomCrlf }) => {
  let app: Materialized;
  let before: Set<string>;
  let original: Record<string, string>;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    app = await materialize(fixture);
    original = fileHashes(app.dir);
    before = await build(path.join(app.dir, web));
    rmSync(path.join(app.dir, web, 'bin'), { recursive: true, force: true });
    rmSync(path.join(app.dir, web, 'obj'), { recursive: true, force: true });
    if (browser) installClientLibs(path.join(app.dir, web), 5);
    const added = await runCli(['add', '--yes', '--project', app.dir], { env: app.env });
    expect(added.code, added.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await running?.stop();
    await app?.cleanup();
  });

  it.runIf(bomCrlf)('keeps every edited file UTF-8 with its BOM and CRLF line endings', async () => {
    // Edited files keep their BOM and CRLF; new files are written the project's way (as Visual Studio would).
    const now = fileHashes(app.dir, { skip: ['.passkey-migrate', 'bin', 'obj', 'lib'] });
    const changed = Object.keys(now).filter((f) => /\.(cs|cshtml|csproj|json|js)$/.test(f) && now[f] !== original[f]);
    expect(changed.filter((f) => original[f]).length).toBeGreaterThan(3);
    expect(changed.filter((f) => !original[f]).length).toBeGreaterThan(10);
    for (const file of changed) {
      const bytes = readFileSync(path.join(app.dir, file));
      expect(bytes.subarray(0, 3).toString('hex'), file).toBe('efbbbf');
      expect(/(^|[^\r])\n/.test(bytes.toString('utf8')), `${file} has a line ending in LF alone`).toBe(false);
    }
  });

  it('builds with the real SDK, with no compiler warning the untouched app did not have', async () => {
    const after = await build(path.join(app.dir, web));
    expect([...after].filter((w) => !before.has(w))).toEqual([]);
    if (release) await build(path.join(app.dir, web), 'Release');
  }, 300_000);

  it('satisfies EF Core: no pending model changes, and `migrations add Next` is empty', async () => {
    const webDir = path.join(app.dir, web);
    const dataDir = path.join(app.dir, data);
    expect(await ef(['migrations', 'has-pending-model-changes', '--no-build'], webDir, dataDir)).toContain('No changes have been made to the model since the last migration.');
    await ef(['migrations', 'add', 'Next', '--no-build'], webDir, dataDir);
    const folder = readdirSync(dataDir, { recursive: true })
      .map(String)
      .find((f) => /_Next\.cs$/.test(f))!;
    const next = readFileSync(path.join(dataDir, folder), 'utf8');
    expect(next.replace(/\s+/g, ' ')).toMatch(/void Up\(MigrationBuilder migrationBuilder\) \{ \} .*void Down\(MigrationBuilder migrationBuilder\) \{ \}/);
    // Removed by hand: `migrations remove` would rewrite the snapshot in EF's own line endings.
    for (const f of readdirSync(path.dirname(path.join(dataDir, folder)))) if (/_Next(\.Designer)?\.cs$/.test(f)) rmSync(path.join(path.dirname(path.join(dataDir, folder)), f));
  }, 300_000);

  it.runIf(browser)(
    'registers, adds a passkey, signs in with it and manages it in Chromium',
    async () => {
      await buildApp(path.join(app.dir, web));
      running = await startApp(path.join(app.dir, web), { env: { ...process.env, ...app.env } });
      const session = await openBrowser(findBrowser());
      try {
        const id = randomBytes(4).toString('hex');
        const flow = new Flow(session, {
          baseUrl: running.url,
          profile: IDENTITY_PAGES,
          email: `user-${id}@example.test`,
          password: `Pk-${id}-Test!9xx`,
          passkeyName: 'Laptop',
          renamedTo: 'Laptop (renamed)',
          timeoutMs: 15_000,
          screenshotDir: path.join(app.dir, '.failures'),
        });
        const results = await runPasskeyFlow(flow);
        expect(
          results.filter((r) => !r.ok),
          JSON.stringify(results, null, 1),
        ).toEqual([]);
      } finally {
        await session.close();
      }
    },
    300_000,
  );
});

describe('an app with passkey support of its own (Fido2NetLib)', () => {
  it('is refused, naming what it found; nothing is written; --skip-ui goes ahead', async () => {
    const dir = copyFixture('own-fido2');
    try {
      const digest = treeDigest(dir);
      const refused = await runCli(['add', '--yes', '--skip-db', '--project', dir]);
      expect(refused.code).toBe(1);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: the app already has passkey support of its own: the package Fido2 4\.3\.2 \(SampleShop\.csproj\); IFido2 used in the app's own code \(Services\/SecurityKeyService\.cs:8\); navigator\.credentials\.create\(\) in the app's script \(wwwroot\/js\/security-key\.js:3\)/,
      );
      expect(lines[0]).toMatch(/--skip-ui .* --force-ui/);
      expect(treeDigest(dir)).toBe(digest);
      const detect = JSON.parse((await runCli(['detect', '--json', '--skip-db', '--project', dir])).stdout);
      expect(detect.supported).toBe('no');
      expect(detect.reasons[0]).toMatch(/passkey support of its own/);
      const projectOnly = await runCli(['add', '--dry-run', '--skip-ui', '--skip-db', '--project', dir]);
      expect(projectOnly.code, projectOnly.stderr).toBe(0);
      expect(projectOnly.stdout).toMatch(/update\s+SampleShop\.csproj/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('module-tables: SimplCommerce’s shape', () => {
  let app: Materialized;
  beforeAll(async () => {
    app = await materialize('module-tables');
  });
  afterAll(() => app?.cleanup());

  it('reads the tables a module renames from EF’s snapshot, leaves the 2.x package, moves the SDK pin; the app builds, EF agrees, verify passes', async () => {
    // The untouched app cannot even be evaluated from its folder here: global.json asks for an SDK 8 this machine lacks.
    const untouched = await exec('dotnet', ['build', '-nologo'], { cwd: app.dir });
    expect(untouched.code).not.toBe(0);
    expect(untouched.stdout + untouched.stderr).toMatch(/compatible \.NET SDK was not found|Requested SDK version: 8\.0\.100/);

    const detected = await runCli(['detect', '--json', '--project', app.dir]);
    expect(detected.code, detected.stderr).toBe(0);
    const facts = JSON.parse(detected.stdout);
    expect(facts.project.tables.users).toEqual({ name: 'Core_User', schema: null });
    expect(facts.project.tables.userLogins.name).toBe('Core_UserLogin');

    const added = await runCli(['add', '--yes', '--project', app.dir]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/Microsoft\.AspNetCore\.Antiforgery 2\.2\.0 is part of the ASP\.NET Core shared framework since 3\.0 .*left as it is/);
    expect(readFileSync(path.join(app.dir, 'SampleShop.csproj'), 'utf8')).toContain('<PackageReference Include="Microsoft.AspNetCore.Antiforgery" Version="2.2.0" />');
    expect(JSON.parse(readFileSync(path.join(app.dir, 'global.json'), 'utf8')).sdk.version).toBe('10.0.100');
    const migration = readdirSync(path.join(app.dir, 'Data', 'Migrations')).find((f) => /_AddPasskeySupport\.cs$/.test(f))!;
    expect(readFileSync(path.join(app.dir, 'Data', 'Migrations', migration), 'utf8')).toContain('principalTable: "Core_User"');

    const warnings = await build(app.dir);
    expect([...warnings].filter((w) => /Passkey|Program\.cs|Migration|DbContext|ModelPart/.test(w))).toEqual([]);
    expect(await ef(['migrations', 'has-pending-model-changes', '--no-build'], app.dir, app.dir)).toContain('No changes have been made to the model since the last migration.');
    const verify = await runCli(['verify', '--project', app.dir, '--no-build', '--json']);
    const report = JSON.parse(verify.stdout || '{}');
    expect(
      report.steps?.filter((s: { ok: boolean }) => !s.ok),
      verify.stdout + verify.stderr,
    ).toEqual([]);
    expect(verify.code).toBe(0);
  }, 300_000);
});
