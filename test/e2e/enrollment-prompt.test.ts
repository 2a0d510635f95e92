/**
 * The invitation to add a passkey (PasskeyPrompt.cs), proved in Chromium on a Razor Pages and an MVC fixture
 * migrated by `add --yes`: after a password sign-in a user without a passkey is sent to the prompt with the page
 * they were going to as the return URL; Add makes a passkey (listed), "Not now" keeps it away until
 * Passkeys:PromptAgainAfterDays have passed, "Don't ask again" for good (on every device: the choice is in the
 * database), a user with a passkey never sees it, Passkeys:Prompt=false turns it off, and a browser that cannot
 * make passkeys goes straight on. The pages also tell the password manager the account's current name
 * (signalCurrentUserDetails).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrowser, openBrowser, type BrowserSession } from '../../src/verify/browser.js';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { Flow, IDENTITY_PAGES, mvcProfile, registerAndSignIn, type AppProfile } from '../../src/verify/flows.js';
import type { Materialized } from '../helpers/fixtures.js';
import { migratedFixture } from '../helpers/migrated.js';

const cases: { fixture: string; bootstrap: 4 | 5; profile: AppProfile; promptPath: string }[] = [
  { fixture: 'webapp-sqlite', bootstrap: 5, profile: IDENTITY_PAGES, promptPath: '/Identity/Account/PasskeyPrompt' },
  { fixture: 'mvc-startup', bootstrap: 4, profile: mvcProfile({ account: '/Account', manage: '/Manage' }), promptPath: '/Manage/PasskeyPrompt' },
  // eShopOnWeb's shape: the Identity Login page signs in, an MVC ManageController (and so the prompt) manages.
  {
    fixture: 'login-mvc-manage',
    bootstrap: 5,
    profile: { ...IDENTITY_PAGES, passkeysPath: '/Manage/Passkeys' },
    promptPath: '/Manage/PasskeyPrompt',
  },
];

/** Where the user was going when the sign-in page was opened: the prompt must keep it. */
const RETURN_URL = '/?from=prompt-test';

describe.each(cases)('enrollment prompt: $fixture', ({ fixture, bootstrap, profile, promptPath }) => {
  let app: Materialized;
  let running: RunningApp;
  const sessions: BrowserSession[] = [];
  const others: RunningApp[] = [];

  beforeAll(async () => {
    app = await migratedFixture(fixture, bootstrap);
    await buildApp(app.dir);
    running = await startApp(app.dir, { env: { ...process.env, ...app.env } });
  }, 240_000);

  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    for (const o of others) await o.stop().catch(() => undefined);
    await running?.stop();
    await app?.cleanup();
  });

  /** The same app and database, run again with other configuration (the setting stands in for a test clock). */
  const runWith = async (env: Record<string, string>) => {
    const other = await startApp(app.dir, { env: { ...process.env, ...app.env, ...env } });
    others.push(other);
    return other;
  };

  const newSession = async (init?: () => void) => {
    const s = await openBrowser(findBrowser());
    sessions.push(s);
    if (init) await s.context.addInitScript(init);
    return s;
  };

  const account = () => {
    const id = randomBytes(4).toString('hex');
    return { email: `prompt-${id}@example.test`, password: `Pk-${id}-Test!9` };
  };

  const flowFor = (s: BrowserSession, user: { email: string; password: string }, baseUrl = running.url) =>
    new Flow(s, {
      baseUrl,
      profile,
      email: user.email,
      password: user.password,
      passkeyName: 'Prompted',
      renamedTo: 'Prompted',
      timeoutMs: 15_000,
      screenshotDir: path.join(app.dir, '.failures'),
    });

  /** Signs in with the password from the sign-in page opened for RETURN_URL; the page the browser ends on. */
  const passwordSignIn = async (flow: Flow): Promise<URL> => {
    const { page } = flow;
    if (await flow.isSignedIn()) await flow.signOut();
    return flow.withoutAutofill(async () => {
      await page.goto(flow.url(`${profile.loginPath}?ReturnUrl=${encodeURIComponent(RETURN_URL)}`));
      const form = await flow.markForm('login');
      expect(form.problem).toBeUndefined();
      await page.fill(form.fields.email!, flow.options.email);
      await page.fill(form.fields.password!, flow.options.password);
      await Promise.all([page.waitForURL((u) => u.pathname.toLowerCase() !== profile.loginPath.toLowerCase()), page.click(form.fields.submit!)]).catch(async (e) => {
        throw new Error(`the password sign-in stayed on ${page.url()}${await flow.pageMessages()}: ${(e as Error).message.split('\n')[0]}`);
      });
      await page.waitForLoadState('load');
      await flow.expectSignedIn();
      return new URL(page.url());
    });
  };

  const isPrompt = (u: URL) => u.pathname.toLowerCase() === promptPath.toLowerCase();
  const atReturnUrl = (u: URL) => u.pathname + u.search === RETURN_URL;

  /** On the prompt with the return URL kept, and the prompt shown (this browser can make passkeys). */
  const expectPrompt = async (flow: Flow, landed: URL) => {
    expect(isPrompt(landed), `landed on ${landed}`).toBe(true);
    expect(landed.searchParams.get('returnUrl')).toBe(RETURN_URL);
    await flow.page.locator('#passkey-prompt').waitFor({ state: 'visible' });
    await flow.page.getByRole('heading', { name: /sign in faster with a passkey/i }).waitFor();
  };

  const registered = async (s: BrowserSession, baseUrl = running.url) => {
    const flow = flowFor(s, account(), baseUrl);
    await registerAndSignIn(flow);
    expect(flow.results.filter((r) => !r.ok)).toEqual([]);
    return flow;
  };

  it('Add: the prompt after a password sign-in makes a passkey, goes on to the return URL, and is not shown again', async () => {
    const s = await newSession(() => {
      // A page-level spy on the Signal API's name update (not passed on: the authenticator keeps what it has).
      const calls: unknown[] = [];
      (window as unknown as { __pkmDetails: unknown[] }).__pkmDetails = calls;
      const api = window.PublicKeyCredential as unknown as Record<string, unknown> | undefined;
      if (api && typeof api.signalCurrentUserDetails === 'function') api.signalCurrentUserDetails = async (details: unknown) => void calls.push(details);
    });
    const flow = await registered(s);
    await expectPrompt(flow, await passwordSignIn(flow));

    // The prompt page tells the password manager the account's current name (WebAuthn Signal API).
    const hasSignal = await s.page.evaluate(() => typeof (PublicKeyCredential as unknown as Record<string, unknown>).signalCurrentUserDetails === 'function');
    expect(hasSignal, 'Chromium has the Signal API').toBe(true);
    {
      await expect.poll(() => s.page.evaluate(() => (window as unknown as { __pkmDetails: unknown[] }).__pkmDetails.length)).toBeGreaterThan(0);
      const [details] = await s.page.evaluate(() => (window as unknown as { __pkmDetails: unknown[] }).__pkmDetails);
      expect(details).toMatchObject({ rpId: 'localhost', name: flow.options.email, displayName: flow.options.email });
      expect((details as { userId: string }).userId).toMatch(/^[A-Za-z0-9_-]+$/);
    }

    await Promise.all([s.page.waitForURL((u) => !isPrompt(u)), s.page.getByRole('button', { name: /add a passkey/i }).click()]);
    await s.page.waitForLoadState('load');
    expect(atReturnUrl(new URL(s.page.url())), s.page.url()).toBe(true);
    await s.page.goto(flow.url(profile.passkeysPath));
    expect(await flow.passkeyRows()).toHaveLength(1);
    const { credentials } = await s.cdp.send('WebAuthn.getCredentials', { authenticatorId: s.authenticatorId! });
    expect(credentials).toHaveLength(1);

    // With a passkey, a password sign-in goes straight to where the user was going.
    expect(atReturnUrl(await passwordSignIn(flow))).toBe(true);
  }, 120_000);

  it('Not now: no prompt at the next sign-in, again once Passkeys:PromptAgainAfterDays have passed', async () => {
    const s = await newSession();
    const flow = await registered(s);
    await expectPrompt(flow, await passwordSignIn(flow));
    await Promise.all([s.page.waitForURL((u) => !isPrompt(u)), s.page.getByRole('button', { name: /not now/i }).click()]);
    expect(atReturnUrl(new URL(s.page.url())), s.page.url()).toBe(true);

    expect(atReturnUrl(await passwordSignIn(flow)), 'the next sign-in within 14 days').toBe(true);
    // Opened by hand, the prompt page sends the user on too.
    await s.page.goto(flow.url(`${promptPath}?returnUrl=${encodeURIComponent(RETURN_URL)}`));
    expect(atReturnUrl(new URL(s.page.url()))).toBe(true);

    // "Not now" was 0 days ago: with PromptAgainAfterDays=0 those days have passed.
    const later = await runWith({ Passkeys__PromptAgainAfterDays: '0' });
    const elsewhere = await newSession();
    const again = flowFor(elsewhere, flow.options, later.url);
    await expectPrompt(again, await passwordSignIn(again));
  }, 150_000);

  it("Don't ask again: never, on this device or another, whatever the days", async () => {
    const s = await newSession();
    const flow = await registered(s);
    await expectPrompt(flow, await passwordSignIn(flow));
    await Promise.all([s.page.waitForURL((u) => !isPrompt(u)), s.page.getByRole('button', { name: /don.t ask again/i }).click()]);
    expect(atReturnUrl(new URL(s.page.url())), s.page.url()).toBe(true);

    // Another device: a new browser, the same account.
    const device = await newSession();
    expect(atReturnUrl(await passwordSignIn(flowFor(device, flow.options))), 'on another device').toBe(true);
    const later = await runWith({ Passkeys__PromptAgainAfterDays: '0' });
    expect(atReturnUrl(await passwordSignIn(flowFor(device, flow.options, later.url))), 'with PromptAgainAfterDays=0').toBe(true);
  }, 150_000);

  it('Passkeys:Prompt=false: never shown', async () => {
    const off = await runWith({ Passkeys__Prompt: 'false' });
    const s = await newSession();
    const flow = await registered(s, off.url);
    expect(atReturnUrl(await passwordSignIn(flow))).toBe(true);
    // The same account on the app with the prompt on: it was never asked, so it is asked now.
    const on = flowFor(await newSession(), flow.options);
    await expectPrompt(on, await passwordSignIn(on));
  }, 150_000);

  it('a browser that cannot make passkeys goes straight on, and nothing is recorded', async () => {
    const s = await newSession(() => {
      delete (window as unknown as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    const flow = await registered(s);
    const landed = await passwordSignIn(flow);
    // The server sends the browser to the prompt; the page finds no passkey support and goes on, unshown.
    if (isPrompt(landed)) await s.page.waitForURL((u) => !isPrompt(u));
    expect(atReturnUrl(new URL(s.page.url())), s.page.url()).toBe(true);
    // The account was not marked as asked: a capable browser is asked.
    const capable = flowFor(await newSession(), flow.options);
    await expectPrompt(capable, await passwordSignIn(capable));
  }, 150_000);

  it('the prompt goes on only to local URLs, and its choices need the antiforgery token', async () => {
    const s = await newSession();
    const flow = await registered(s);
    for (const target of ['https://evil.example/', '//evil.example/', '/\\evil.example/']) {
      await s.page.goto(flow.url(`${promptPath}?returnUrl=${encodeURIComponent(target)}`));
      const shown = new URL(s.page.url());
      expect(shown.host, target).toBe(new URL(running.url).host);
      if (isPrompt(shown)) {
        expect(await s.page.getAttribute('#passkey-prompt', 'return-url')).toBe('/');
        await Promise.all([s.page.waitForURL((u) => !isPrompt(u)), s.page.getByRole('button', { name: /not now/i }).click()]);
        expect(new URL(s.page.url()).host, target).toBe(new URL(running.url).host);
      }
    }
    // A cross-site form post (no antiforgery token) does not record a choice.
    const cookies = (await s.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${running.url}${promptPath}${/Identity/.test(promptPath) ? '?handler=Never' : 'Never'}`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'returnUrl=%2F',
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
  }, 150_000);
});
