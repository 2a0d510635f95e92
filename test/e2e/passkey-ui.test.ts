/**
 * The passkey UI proved in a real browser: `add --yes` on the Identity-UI-default and the scaffolded fixtures, the
 * app built by the SDK and run on localhost, Chromium with a WebAuthn virtual authenticator driven through
 * register, add, sign out, sign in (button and autofill), rename, delete, and the deleted passkey refused. Then the
 * negative cases: antiforgery, signed-out access, HTML encoding, URL encoding, the no-toJSON fallback.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrowser, openBrowser, type BrowserSession } from '../../src/verify/browser.js';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { Flow, IDENTITY_PAGES, mvcProfile, registerAndSignIn, runPasskeyFlow, type AppProfile } from '../../src/verify/flows.js';
import type { Materialized } from '../helpers/fixtures.js';
import { migratedFixture } from '../helpers/migrated.js';
import { runCli } from '../helpers/run.js';
import { dotnetEf } from '../helpers/dotnet.js';

const MVC = mvcProfile({ account: '/Account', manage: '/Manage' });
const cases: { fixture: string; bootstrap: 4 | 5; capture: string; profile: AppProfile; endpoints: string; manage: string[]; verify?: boolean }[] = [
  {
    fixture: 'webapp-sqlite',
    bootstrap: 5,
    capture: 'identity-ui',
    profile: IDENTITY_PAGES,
    endpoints: '/Identity/Account',
    manage: ['/Identity/Account/Manage/Passkeys', '/Identity/Account/Manage/RenamePasskey?id=AAAA'],
    verify: true,
  },
  {
    fixture: 'scaffolded-pages',
    bootstrap: 5,
    capture: 'scaffolded',
    profile: IDENTITY_PAGES,
    endpoints: '/Identity/Account',
    manage: ['/Identity/Account/Manage/Passkeys', '/Identity/Account/Manage/RenamePasskey?id=AAAA'],
  },
  {
    fixture: 'guid-postgres',
    bootstrap: 4,
    capture: 'identity-ui-bootstrap4',
    profile: IDENTITY_PAGES,
    endpoints: '/Identity/Account',
    manage: ['/Identity/Account/Manage/Passkeys', '/Identity/Account/Manage/RenamePasskey?id=AAAA'],
  },
  { fixture: 'mvc-startup', bootstrap: 4, capture: 'mvc', profile: MVC, endpoints: '/Account', manage: ['/Manage/Passkeys', '/Manage/RenamePasskey?id=AAAA'], verify: true },
  // No ManageController: passkeys are managed in a new PasskeysController.
  {
    fixture: 'mvc-no-manage',
    bootstrap: 4,
    capture: 'mvc-no-manage',
    profile: mvcProfile({ account: '/Account', manage: '/Passkeys' }),
    endpoints: '/Account',
    manage: ['/Passkeys/Passkeys', '/Passkeys/RenamePasskey?id=AAAA'],
  },
  // An area, attribute routes, another login path and a minimal Program.cs.
  {
    fixture: 'mvc-area-minimal',
    bootstrap: 4,
    capture: 'mvc-area',
    profile: mvcProfile({ account: '/members/Account', manage: '/members/Manage' }),
    endpoints: '/members/Account',
    manage: ['/members/Manage/Passkeys', '/members/Manage/RenamePasskey?id=AAAA'],
  },
];

const captureRoot = process.env.PKM_CAPTURE_DIR;

describe.each(cases)('$fixture', ({ fixture, bootstrap, capture, profile, endpoints, manage, verify }) => {
  let app: Materialized;
  let running: RunningApp;
  let session: BrowserSession;

  beforeAll(async () => {
    app = await migratedFixture(fixture, bootstrap);
    await buildApp(app.dir);
    running = await startApp(app.dir, { env: { ...process.env, ...app.env } });
    session = await openBrowser(findBrowser());
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await running?.stop();
    await app?.cleanup();
  });

  const newFlow = (s: BrowserSession, captureDir?: string) => {
    const id = randomBytes(4).toString('hex');
    return new Flow(s, {
      baseUrl: running.url,
      profile,
      email: `user-${id}@example.test`,
      password: `Pk-${id}-Test!9`,
      passkeyName: 'Work laptop',
      renamedTo: 'Work laptop (Chromium)',
      timeoutMs: 15_000,
      screenshotDir: path.join(app.dir, '.failures'),
      captureDir,
    });
  };

  it('registers, adds a passkey, signs in with it (button and autofill), renames and deletes it; the deleted passkey is refused', async () => {
    const flow = newFlow(session, captureRoot ? path.join(captureRoot, capture) : undefined);
    const results = await runPasskeyFlow(flow);
    expect(
      results.filter((r) => !r.ok),
      JSON.stringify(results, null, 1),
    ).toEqual([]);
    expect(results.map((r) => r.name)).toHaveLength(11);
  }, 120_000);

  it.runIf(verify)(
    'passkey-migrate verify passes (one line per step, exit 0)',
    async () => {
      const result = await runCli(['verify', '--project', app.dir, '--no-build', '--json'], { env: app.env });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.status).toBe('ok');
      expect(report.steps.map((s: { ok: boolean }) => s.ok)).toEqual(Array(11).fill(true));
      const human = await runCli(['verify', '--project', app.dir, '--no-build'], { env: app.env });
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout.split('\n').filter((l) => /^pass /.test(l))).toHaveLength(11);
    },
    120_000,
  );

  it('EF Core agrees with the migrated app: no pending model changes, nothing left to apply', async () => {
    const pending = await dotnetEf(['migrations', 'has-pending-model-changes', '--no-build'], app.dir, app.env);
    expect(pending.stdout).toContain('No changes have been made to the model since the last migration.');
    const list = await dotnetEf(['migrations', 'list', '--no-build'], app.dir, app.env);
    expect(list.stdout).toMatch(/\d{14}_AddPasskeySupport/);
    expect(list.stdout).not.toMatch(/\(Pending\)/);
  }, 120_000);

  it('the option endpoints reject requests without the antiforgery token (400)', async () => {
    for (const endpoint of ['PasskeyRequestOptions', 'PasskeyCreationOptions']) {
      const response = await fetch(`${running.url}${endpoints}/${endpoint}`, { method: 'POST' });
      expect(response.status, endpoint).toBe(400);
    }
  });

  it('creation options need a signed-in user; request options work signed out', async () => {
    const page = await (await session.browser.newContext()).newPage();
    await page.goto(`${running.url}${profile.loginPath}`);
    const token = await page.getAttribute('passkey-submit', 'request-token-value');
    const header = await page.getAttribute('passkey-submit', 'request-token-name');
    expect(token).toBeTruthy();
    const call = (endpoint: string) =>
      page.evaluate(
        async ([url, name, value]) => (await fetch(url!, { method: 'POST', headers: { [name!]: value! } })).status,
        [`${running.url}${endpoints}/${endpoint}`, header, token],
      );
    expect(await call('PasskeyCreationOptions')).not.toBe(200);
    expect(await call('PasskeyRequestOptions')).toBe(200);
    await page.context().close();
  });

  it('manage pages redirect to the login page when signed out', async () => {
    for (const p of manage) {
      const response = await fetch(`${running.url}${p}`, { redirect: 'manual' });
      expect(response.status, p).toBe(302);
      expect(response.headers.get('location') ?? '').toMatch(new RegExp(`${profile.loginPath.replace(/\//g, '\\/')}\\?ReturnUrl=`, 'i'));
    }
  });

  it('a passkey named <script>alert(1)</script> renders encoded, and a user name with +&# reaches the endpoint intact', async () => {
    const s = await openBrowser(findBrowser());
    try {
      const flow = newFlow(s);
      const dialogs: string[] = [];
      s.page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await registerAndSignIn(flow);
      await flow.step('add and rename to markup', async () => {
        await s.page.goto(flow.url(profile.passkeysPath));
        await s.page.getByRole('button', { name: /add a passkey/i }).click();
        await s.page.waitForURL(/RenamePasskey/);
        await s.page.fill('#Input_Name', '<script>alert(1)</script>');
        await s.page.click('#rename-submit');
        await s.page.waitForURL(/\/Passkeys$/);
      });
      expect(flow.results.filter((r) => !r.ok)).toEqual([]);
      const html = await s.page.content();
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>alert(1)</script>');
      expect((await flow.passkeyRows())[0]?.name).toBe('<script>alert(1)</script>');
      expect(dialogs).toEqual([]);

      // Names longer than 200 characters are refused by the server (client-side limits bypassed).
      await s.page
        .locator('tr.passkey-row')
        .first()
        .getByRole('link', { name: /rename/i })
        .click();
      await s.page.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('#Input_Name')!;
        input.removeAttribute('maxlength');
        input.value = 'x'.repeat(201);
        (input.form as HTMLFormElement).submit();
      });
      await s.page.waitForLoadState('load');
      await s.page
        .getByText(/at most 200 characters/i)
        .first()
        .waitFor();
      await s.page.goto(flow.url(profile.passkeysPath));
      expect((await flow.passkeyRows())[0]?.name).toBe('<script>alert(1)</script>');

      // Signed out, a typed user name is not sent by default: not in the URL (proxy logs), not in the body.
      await flow.signOut();
      const userName = 'a+b&c#d@example.test';
      const seen: { query: string | null; body: string | null }[] = [];
      const watch = (r: import('playwright-core').Request) => {
        if (/PasskeyRequestOptions/.test(r.url())) seen.push({ query: new URL(r.url()).search, body: r.postData() });
      };
      s.page.on('request', watch);
      await flow.withoutAutofill(async () => {
        await s.page.goto(flow.url(profile.loginPath));
        await s.page.fill(profile.fields.email, userName);
        const options = s.page.waitForResponse((r) => /PasskeyRequestOptions/.test(r.url()));
        await s.page.locator('button[name="__passkeySubmit"]').click();
        expect((await options).status()).toBe(200);
        await flow.expectSignedIn();
      });
      expect(seen).toEqual([{ query: '', body: null }]);
      // An app that wants allowCredentials for the typed name (Passkeys:OfferCredentialsForUserName) gets it in
      // the request body, with its URL-special characters intact.
      const offering = await startApp(app.dir, { env: { ...process.env, ...app.env, Passkeys__OfferCredentialsForUserName: 'true' } });
      try {
        await flow.signOut();
        // Counted from here: signing out may land on the login page, whose autofill request is aborted meanwhile.
        seen.length = 0;
        await flow.withoutAutofill(async () => {
          await s.page.goto(new URL(profile.loginPath, offering.url).toString());
          await s.page.fill(profile.fields.email, userName);
          const options = s.page.waitForResponse((r) => /PasskeyRequestOptions/.test(r.url()));
          await s.page.locator('button[name="__passkeySubmit"]').click();
          expect((await options).status()).toBe(200);
          await s.page.locator(profile.signOutButton).first().waitFor();
        });
        expect(seen).toHaveLength(1);
        expect(seen[0]!.query).toBe('');
        expect(new URLSearchParams(seen[0]!.body ?? '').get('username')).toBe(userName);
      } finally {
        await offering.stop();
      }
      s.page.off('request', watch);
    } finally {
      await s.close();
    }
  }, 120_000);

  it('works in a browser without toJSON and parse*OptionsFromJSON (the fallback path)', async () => {
    const s = await openBrowser(findBrowser());
    try {
      await s.context.addInitScript(() => {
        delete (PublicKeyCredential as any).parseCreationOptionsFromJSON;
        delete (PublicKeyCredential as any).parseRequestOptionsFromJSON;
        delete (PublicKeyCredential.prototype as any).toJSON;
      });
      const flow = newFlow(s);
      const results = await runPasskeyFlow(flow);
      expect(
        results.filter((r) => !r.ok),
        JSON.stringify(results, null, 1),
      ).toEqual([]);
      expect(await s.page.evaluate(() => typeof (PublicKeyCredential as any).parseRequestOptionsFromJSON)).toBe('undefined');
    } finally {
      await s.close();
    }
  }, 120_000);

  it.runIf(verify)(
    'asks for the current password to add a passkey when the sign-in is not recent',
    async () => {
      const strict = await startApp(app.dir, { env: { ...process.env, ...app.env, Passkeys__RecentSignInMinutes: '0' } });
      const s = await openBrowser(findBrowser());
      try {
        const flow = newFlow(s);
        (flow.options as { baseUrl: string }).baseUrl = strict.url;
        await registerAndSignIn(flow);
        expect(flow.results.filter((r) => !r.ok)).toEqual([]);
        await s.page.goto(flow.url(profile.passkeysPath));
        await s.page.locator('#password').waitFor();
        // Each attempt waits for its own POST to be answered: the page before and after shows the same message.
        const add = async (password: string) => {
          await s.page.fill('#password', password);
          const posted = s.page.waitForResponse((r) => r.request().method() === 'POST' && /handler=Add|\/AddPasskey\b/i.test(r.url()));
          await s.page.getByRole('button', { name: /add a passkey/i }).click();
          await posted;
          await s.page.waitForLoadState('load');
        };
        await add('');
        await s.page
          .getByText(/enter your current password to add a passkey/i)
          .first()
          .waitFor();
        expect(await flow.passkeyRows()).toEqual([]);
        await add('not-the-password');
        await s.page
          .getByText(/enter your current password to add a passkey/i)
          .first()
          .waitFor();
        await add(flow.options.password);
        await s.page.waitForURL(/RenamePasskey/);
        await s.page.goto(flow.url(profile.passkeysPath));
        expect(await flow.passkeyRows()).toHaveLength(1);
      } finally {
        await s.close();
        await strict.stop();
      }
    },
    120_000,
  );

  it.runIf(fixture === 'webapp-sqlite')(
    'stops at 100 passkeys a user: the add button gives way to the limit message',
    async () => {
      const s = await openBrowser(findBrowser());
      try {
        const flow = newFlow(s);
        await registerAndSignIn(flow);
        const addOne = async (name: string) => {
          await s.page.goto(flow.url(profile.passkeysPath));
          await s.page.getByRole('button', { name: /add a passkey/i }).click();
          await s.page.waitForURL(/RenamePasskey/);
          await s.page.fill('#Input_Name', name);
          await s.page.click('#rename-submit');
          await s.page.waitForURL(/\/Passkeys$/);
        };
        await addOne('first');
        // 98 more rows like the first one (same data, other credential ids), straight into the app's database.
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(path.join(app.dir, 'app.db'));
        try {
          const row = db.prepare('select p.UserId, p.Data from AspNetUserPasskeys p join AspNetUsers u on u.Id = p.UserId where u.UserName = ?').get(flow.options.email) as {
            UserId: string;
            Data: string;
          };
          const insert = db.prepare('insert into AspNetUserPasskeys (CredentialId, UserId, Data) values (?, ?, ?)');
          for (let i = 0; i < 98; i++) insert.run(randomBytes(32), row.UserId, row.Data);
        } finally {
          db.close();
        }
        await s.page.goto(flow.url(profile.passkeysPath));
        expect(await flow.passkeyRows()).toHaveLength(99);
        // Past 64 passkeys Chromium refuses the full excludeCredentials list; the element sends the last 64.
        await addOne('the hundredth');
        expect(await flow.passkeyRows()).toHaveLength(100);
        expect(await s.page.getByRole('button', { name: /add a passkey/i }).count()).toBe(0);
        await s.page.getByText(/reached the limit of 100 passkeys/i).waitFor();
      } finally {
        await s.close();
      }
    },
    120_000,
  );

  // Last: it spends this minute's allowance of the request-options endpoint.
  it('rate-limits the option endpoints: 429 with Retry-After once 20 a minute are spent', async () => {
    const page = await (await session.browser.newContext()).newPage();
    await page.goto(`${running.url}${profile.loginPath}`);
    const token = await page.getAttribute('passkey-submit', 'request-token-value');
    const header = await page.getAttribute('passkey-submit', 'request-token-name');
    const results = await page.evaluate(
      async ([url, name, value]) => {
        const out: { status: number; retryAfter: string | null }[] = [];
        for (let i = 0; i < 25; i++) {
          const r = await fetch(url!, { method: 'POST', headers: { [name!]: value! } });
          out.push({ status: r.status, retryAfter: r.headers.get('retry-after') });
        }
        return out;
      },
      [`${running.url}${endpoints}/PasskeyRequestOptions`, header, token],
    );
    await page.context().close();
    const first429 = results.findIndex((r) => r.status === 429);
    expect(first429).toBeGreaterThanOrEqual(0);
    expect(results.slice(0, first429).every((r) => r.status === 200)).toBe(true);
    expect(results.slice(first429).every((r) => r.status === 429 && r.retryAfter === '60')).toBe(true);
  });
});
