/**
 * Passkeys where the app's users sign in and manage their account, on the shapes real apps have (each a fixture
 * written here): scripts in <environment> blocks with a lower-case scripts section; a scaffolded Login page with
 * account management in an MVC ManageController (eShopOnWeb's shape); a login page with its own check before and
 * work after the password sign-in, and a rate-limit policy; a Register page with extra required fields; older
 * scaffolded markup without the ids the templates have. For each: `add --yes`, the SDK builds it with no compiler
 * warning, EF has no pending model change, and `passkey-migrate verify` passes 11/11 in Chromium (finding the
 * forms on the app's own pages). Then the effects that prove the app's own logic runs for passkeys too.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { findBrowser, openBrowser, type BrowserSession } from '../../src/verify/browser.js';
import { Flow, IDENTITY_PAGES, registerAndSignIn } from '../../src/verify/flows.js';
import { installClientLibs } from '../helpers/client-libs.js';
import { dotnetEf, exec } from '../helpers/dotnet.js';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

const cases = [
  { fixture: 'layout-environments', passkeys: '/Identity/Account/Manage/Passkeys' },
  { fixture: 'login-mvc-manage', passkeys: '/Manage/Passkeys' },
  { fixture: 'login-post-work', passkeys: '/Identity/Account/Manage/Passkeys' },
  { fixture: 'register-extra-fields', passkeys: '/Identity/Account/Manage/Passkeys' },
  { fixture: 'older-scaffold-markup', passkeys: '/Identity/Account/Manage/Passkeys' },
];

const apps = new Map<string, Materialized>();
afterAll(async () => {
  for (const app of apps.values()) await app.cleanup();
});

async function migrated(fixture: string): Promise<{ app: Materialized; added: string }> {
  const app = await materialize(fixture);
  apps.set(fixture, app);
  installClientLibs(app.dir, 5);
  const added = await runCli(['add', '--project', app.dir, '--yes'], { env: app.env });
  expect(added.code, added.stderr).toBe(0);
  return { app, added: added.stdout + added.stderr };
}

describe.each(cases)('$fixture', ({ fixture, passkeys }) => {
  let app: Materialized;
  let added: string;

  beforeAll(async () => {
    ({ app, added } = await migrated(fixture));
  }, 240_000);

  it('builds with no compiler warning, satisfies EF, and verify passes all 11 steps', async () => {
    const build = await exec('dotnet', ['build', '-nologo', '-clp:NoSummary'], { cwd: app.dir });
    expect(
      build.code,
      build.stdout
        .split('\n')
        .filter((l) => /error/.test(l))
        .join('\n'),
    ).toBe(0);
    expect(build.stdout.split('\n').filter((l) => /warning CS/.test(l))).toEqual([]);
    const pending = await dotnetEf(['migrations', 'has-pending-model-changes', '--no-build'], app.dir, app.env);
    expect(pending.stdout).toContain('No changes have been made to the model since the last migration.');
    const verify = await runCli(['verify', '--project', app.dir, '--no-build', '--json'], { env: app.env });
    const report = JSON.parse(verify.stdout || '{}');
    expect(
      report.steps?.filter((s: { ok: boolean }) => !s.ok),
      verify.stdout + verify.stderr,
    ).toEqual([]);
    expect(report.steps).toHaveLength(11);
    expect(verify.code).toBe(0);
    // Passkeys are managed where the app's account menu links.
    expect(report.steps.find((s: { name: string }) => s.name === 'add a passkey').ok).toBe(true);
    expect(added).toContain(passkeys.startsWith('/Manage') ? 'Views/Manage/Passkeys.cshtml' : 'Areas/Identity/Pages/Account/Manage/Passkeys.cshtml');
  }, 300_000);
});

describe('layout-environments: the script loads in every environment', () => {
  it('the include is outside every <environment> block, before the lower-case scripts section; verify passes in Production too', async () => {
    const app = apps.get('layout-environments')!;
    const layout = readFileSync(path.join(app.dir, 'Pages', 'Shared', '_Layout.cshtml'), 'utf8');
    const include = layout.indexOf('passkey-submit.js');
    for (const block of layout.matchAll(/<environment\b[\s\S]*?<\/environment>/g)) {
      expect(include < block.index! || include > block.index! + block[0].length).toBe(true);
    }
    expect(include).toBeLessThan(layout.indexOf('@RenderSection("scripts"'));
    const production = await runCli(['verify', '--project', app.dir, '--no-build', '--environment', 'Production', '--json'], {
      env: { ...app.env, ConnectionStrings__BookingsDb: 'Data Source=bookings.db' },
    });
    const report = JSON.parse(production.stdout || '{}');
    expect(report.environment).toBe('Production');
    expect(
      report.steps?.filter((s: { ok: boolean }) => !s.ok),
      production.stdout + production.stderr,
    ).toEqual([]);
  }, 240_000);
});

describe('login-post-work: the login page’s own logic runs for passkeys too', () => {
  let app: Materialized;
  let running: RunningApp;
  let session: BrowserSession;

  beforeAll(async () => {
    app = apps.get('login-post-work')!;
    await buildApp(app.dir);
    running = await startApp(app.dir, { env: { ...process.env, ...app.env } });
    session = await openBrowser(findBrowser());
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await running?.stop();
  });

  it('the greeting set after a password sign-in is set after a passkey sign-in; a suspended account is refused with a passkey', async () => {
    const id = randomBytes(4).toString('hex');
    const flow = new Flow(session, {
      baseUrl: running.url,
      profile: IDENTITY_PAGES,
      email: `user-${id}@example.test`,
      password: `Pk-${id}-Test!9`,
      passkeyName: 'Laptop',
      renamedTo: 'Laptop',
      timeoutMs: 15_000,
      screenshotDir: path.join(app.dir, '.failures'),
    });
    await registerAndSignIn(flow);
    expect(flow.results.filter((r) => !r.ok)).toEqual([]);
    const { page } = session;
    await page.goto(flow.url('/Identity/Account/Manage/Passkeys'));
    await page.locator('button:has-text("Add a passkey")').click();
    await page.waitForURL(/RenamePasskey/);
    await page.fill('#Input_Name', 'Laptop');
    await page.click('#rename-submit');
    await page.waitForURL(/\/Passkeys$/);
    await flow.signOut();

    // The greeting cookie gone, a passkey sign-in brings it back: the moved code ran.
    await page.context().clearCookies({ name: 'bookings-greeting' });
    await page.goto(flow.url('/'));
    expect(await page.locator('#greeting').count()).toBe(0);
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url('/Identity/Account/Login'));
      await page.locator('button[name="__passkeySubmit"]').click();
      await flow.expectSignedIn();
    });
    await page.goto(flow.url('/'));
    expect(await page.locator('#greeting').textContent()).toBe(`Welcome back, ${flow.options.email}!`);
    await flow.signOut();

    // Support suspends the account: the password sign-in refuses it, and so does the passkey sign-in.
    const db = new Database(path.join(app.dir, 'bookings.db'));
    const user = db.prepare('select Id from AspNetUsers where NormalizedEmail = ?').get(flow.options.email.toUpperCase()) as { Id: string };
    db.prepare("insert or ignore into AspNetRoles (Id, Name, NormalizedName, ConcurrencyStamp) values ('suspended', 'Suspended', 'SUSPENDED', 'x')").run();
    db.prepare("insert into AspNetUserRoles (UserId, RoleId) values (?, 'suspended')").run(user.Id);
    db.close();
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url('/Identity/Account/Login'));
      await page.locator('button[name="__passkeySubmit"]').click();
      await page.waitForLoadState('load');
      await page.getByText('This account is suspended. Please contact support.').first().waitFor();
    });
    expect(await flow.isSignedIn()).toBe(false);
    expect(await page.locator('.field-validation-error').count()).toBe(0);
  }, 180_000);

  it('the passkey endpoints fall under the login page’s rate-limit policy (its rejections are 503, ours 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120 && !statuses.includes(503); i++) {
      // A new session each time: our own per-session limit never applies, the app's site-wide policy does.
      const context = await session.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${running.url}/Identity/Account/Register`);
      const token = await page.locator('input[name="__RequestVerificationToken"]').first().getAttribute('value');
      const response = await page.request.post(`${running.url}/Identity/Account/PasskeyRequestOptions`, { headers: { RequestVerificationToken: token! }, failOnStatusCode: false });
      statuses.push(response.status());
      await context.close();
    }
    expect(statuses).toContain(503);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
  }, 300_000);
});

describe('register-extra-fields: verify fills the fields the app requires', () => {
  it('the account verify registered has the display name and date of birth the form required', async () => {
    const app = apps.get('register-extra-fields')!;
    const db = new Database(path.join(app.dir, 'bookings.db'), { readonly: true });
    const claims = db.prepare("select ClaimType, ClaimValue from AspNetUserClaims c join AspNetUsers u on u.Id = c.UserId where u.Email like 'passkey-verify-%'").all() as {
      ClaimType: string;
      ClaimValue: string;
    }[];
    db.close();
    expect(claims.map((c) => c.ClaimType)).toContain('display_name');
    expect(claims.find((c) => c.ClaimType === 'display_name')!.ClaimValue.length).toBeGreaterThanOrEqual(2);
    expect(claims.find((c) => /dateofbirth/.test(c.ClaimType))!.ClaimValue).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
