/**
 * Attacks on the generated passkey code, on migrated apps (Razor Pages and MVC) built by the real SDK, driven
 * from Chromium sessions and a software authenticator that sends what no browser would. Each attack failed on
 * the templates before this change (crash, bypass, lockout, surviving session, 500) and must be refused now:
 * deep-nested and oversized attestation objects; a 45-minute-old session kept alive by page loads adding a
 * passkey without the password; token-less and noisy clients locking others out of the option endpoints; the
 * session of a deleted passkey staying alive; password guessing on the add form; expired and crossed ceremonies;
 * another account's ceremony; deleting the only way to sign in; signalling a credential that is not definitely
 * unknown; a forged Host on the well-known passkey endpoints document being kept by a cache.
 */
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildApp, startApp, type RunningApp } from '../../src/verify/app-runner.js';
import { findBrowser, openBrowser, type BrowserSession } from '../../src/verify/browser.js';
import { Flow, IDENTITY_PAGES, mvcProfile, registerAndSignIn, runPasskeyFlow, type AppProfile } from '../../src/verify/flows.js';
import type { Materialized } from '../helpers/fixtures.js';
import { migratedFixture } from '../helpers/migrated.js';
import { execute } from '../helpers/seed.js';
import { installTestHooks, type TestClock } from '../helpers/test-hooks.js';
import { craftAssertion, craftRegistration, nestedArrays, type CreationOptionsJson, type SoftwareCredential } from '../helpers/webauthn.js';

const cases: { fixture: string; bootstrap: 4 | 5; profile: AppProfile; db: string }[] = [
  { fixture: 'webapp-sqlite', bootstrap: 5, profile: IDENTITY_PAGES, db: 'app.db' },
  { fixture: 'mvc-startup', bootstrap: 4, profile: mvcProfile({ account: '/Account', manage: '/Manage' }), db: 'ledger.db' },
];

interface Posted {
  status: number;
  url: string;
  html: string;
}

describe.each(cases)('$fixture: the generated code under attack', ({ fixture, bootstrap, profile, db }) => {
  let app: Materialized;
  let running: RunningApp;
  let browser: BrowserSession;
  let clock: TestClock;
  const sessions: BrowserSession[] = [];

  beforeAll(async () => {
    app = await migratedFixture(fixture, bootstrap);
    clock = installTestHooks(app.dir);
    await buildApp(app.dir);
    running = await startApp(app.dir, { env: { ...process.env, ...app.env, PKM_TEST_CLOCK_FILE: clock.file } });
    browser = await openBrowser(findBrowser());
  }, 300_000);

  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    await browser?.close();
    await running?.stop();
    await app?.cleanup();
  });

  const newFlow = (s: BrowserSession, email = `user-${randomBytes(4).toString('hex')}@example.test`) =>
    new Flow(s, {
      baseUrl: running.url,
      profile,
      email,
      password: `Pk-${randomBytes(4).toString('hex')}-Test!9`,
      passkeyName: 'Laptop',
      renamedTo: 'Laptop (renamed)',
      timeoutMs: 15_000,
      screenshotDir: path.join(app.dir, '.failures'),
    });

  /** A signed-in browser session of a new account (each with its own virtual authenticator). */
  async function signedIn(): Promise<{ s: BrowserSession; flow: Flow }> {
    const s = await openBrowser(findBrowser());
    sessions.push(s);
    const flow = newFlow(s);
    await registerAndSignIn(flow);
    expect(flow.results.filter((r) => !r.ok)).toEqual([]);
    return { s, flow };
  }

  const url = (p: string) => new URL(p, running.url).toString();

  /** The options a <passkey-submit> element on the page would fetch, with the token it would send. */
  async function elementOptions<T>(page: Page, scope: string): Promise<{ options: T; status: number; formAction: string }> {
    const element = page.locator(`${scope} passkey-submit`).first();
    const [optionsUrl, name, value, formAction] = await Promise.all(
      ['options-url', 'request-token-name', 'request-token-value', 'form-action'].map((a) => element.getAttribute(a)),
    );
    const answer = await page.evaluate(
      async ([u, n, v]) => {
        const r = await fetch(u!, { method: 'POST', headers: { [n!]: v! } });
        return { status: r.status, text: await r.text() };
      },
      [optionsUrl, name, value],
    );
    return { options: answer.status === 200 ? (JSON.parse(answer.text) as T) : (null as T), status: answer.status, formAction: formAction! };
  }

  /** Posts the page's form (its antiforgery token and fields) to action with extra fields, as the element would. */
  async function submit(page: Page, formSelector: string, action: string, fields: Record<string, string>): Promise<Posted> {
    return page.evaluate(
      async ([selector, target, extra]) => {
        const form = document.querySelector(selector as string) as HTMLFormElement;
        const data = new FormData(form);
        for (const [k, v] of Object.entries(extra as Record<string, string>)) data.set(k, v);
        const r = await fetch(target as string, { method: 'POST', body: data });
        return { status: r.status, url: r.url, html: await r.text() };
      },
      [formSelector, action, fields] as const,
    );
  }

  async function craftedAdd(
    page: Page,
    craft: Parameters<typeof craftRegistration>[1] | ((o: CreationOptionsJson) => SoftwareCredential),
    fields: Record<string, string> = {},
  ): Promise<{ posted: Posted; credential: SoftwareCredential }> {
    await page.goto(url(profile.passkeysPath));
    const { options, formAction } = await elementOptions<CreationOptionsJson>(page, '#add-passkey');
    const credential = typeof craft === 'function' ? craft(options) : craftRegistration(options, craft);
    const posted = await submit(page, '#add-passkey', formAction, { 'Passkey.CredentialJson': credential.json, ...fields });
    return { posted, credential };
  }

  const stillUp = async () => expect((await fetch(url(profile.loginPath))).status).toBe(200);
  const error = (html: string) => /<div id="passkey-error"[^>]*>([^<]*)</.exec(html)?.[1]?.trim() ?? '';
  const passkeyRows = async (page: Page) => {
    await page.goto(url(profile.passkeysPath));
    return page.locator('tr.passkey-row').count();
  };

  it('a deep-nested or oversized attestation statement: refused with a friendly message, and the app keeps answering', async () => {
    const { s } = await signedIn();
    const origin = running.url;
    for (const attStmtBytes of [nestedArrays(60_000), nestedArrays(200_000), Buffer.concat([Buffer.from([0x5a, 0x00, 0x10, 0x00, 0x00]), Buffer.alloc(1 << 20)])]) {
      const { posted } = await craftedAdd(s.page, { origin, attStmtBytes });
      expect(posted.status, posted.html.slice(0, 300)).toBe(200);
      expect(error(posted.html)).toMatch(/could not be added/i);
      await stillUp();
    }
    expect(await passkeyRows(s.page)).toBe(0);
    // A well-formed one from the same software authenticator is accepted (the refusals are about the shape).
    const { posted } = await craftedAdd(s.page, { origin });
    expect(posted.url).toMatch(/RenamePasskey/);
  });

  it('a registration without the user-present flag (what a conditional create may return) is refused by .NET 10 Identity: why no automatic passkey upgrade is generated', async () => {
    const { s } = await signedIn();
    // UV, AT, BE, BS but not UP (0x01): WebAuthn L3 lets a conditional create return that; Identity 10 checks UP
    // unconditionally (DefaultPasskeyHandler, "did not include the 'UserPresent' flag").
    const before = running.output().length;
    const { posted } = await craftedAdd(s.page, { origin: running.url, flags: 0x04 | 0x40 | 0x08 | 0x10 });
    expect(posted.status, posted.html.slice(0, 300)).toBe(200);
    expect(error(posted.html)).toMatch(/could not be added/i);
    // The app's log has Identity's own reason.
    await expect.poll(() => running.output().slice(before)).toContain("did not include the 'UserPresent' flag");
    expect(await passkeyRows(s.page)).toBe(0);
    // The same credential shape with UP set is accepted: the flag is the whole difference.
    const { posted: accepted } = await craftedAdd(s.page, { origin: running.url });
    expect(accepted.url).toMatch(/RenamePasskey/);
  });

  it('a session signed in 45 minutes ago and kept alive by page loads still needs the password to add a passkey', async () => {
    const { s } = await signedIn();
    try {
      clock.set(20);
      await s.page.goto(url(profile.passkeysPath));
      clock.set(45);
      // The security-stamp validator (every 30 minutes) re-issues the cookie now: its IssuedUtc is "just now".
      await s.page.goto(url(profile.passkeysPath));
      await s.page.goto(url(profile.passkeysPath));
      await s.page.locator('#password').waitFor();
      const { posted } = await craftedAdd(s.page, { origin: running.url });
      expect(error(posted.html)).toBe('Enter your current password to add a passkey.');
      expect(await passkeyRows(s.page)).toBe(0);
    } finally {
      clock.set(0);
    }
  });

  it('/.well-known/passkey-endpoints: anonymous JSON naming the passkeys page, never cached, so a forged Host answers only itself', async () => {
    const res = await fetch(url('/.well-known/passkey-endpoints'), { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ enroll: url(profile.passkeysPath), manage: url(profile.passkeysPath) });
    const { port } = new URL(running.url);
    const forged = await new Promise<{ status: number; cacheControl: string | undefined }>((resolve, reject) => {
      const req = httpGet({ host: '127.0.0.1', port: Number(port), path: '/.well-known/passkey-endpoints', headers: { host: 'evil.example' } }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, cacheControl: r.headers['cache-control'] }));
      });
      req.on('error', reject);
    });
    expect(forged).toEqual({ status: 200, cacheControl: 'no-store' });
  });

  it('20 token-less POSTs, then a valid request from the same address: answered; a noisy client does not lock out a second one', async () => {
    for (let i = 0; i < 25; i++) expect((await fetch(url(`${profile.loginPath.replace(/\/Login$/, '')}/PasskeyRequestOptions`), { method: 'POST' })).status).toBe(400);
    const first = await browser.context.newPage();
    await first.goto(url(profile.loginPath));
    expect((await elementOptions(first, 'form')).status).toBe(200);
    // The first client spends its own session's permits...
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await elementOptions(first, 'form')).status);
    expect(statuses).toContain(429);
    // ...and a second client behind the same address is still served.
    const other = await (await browser.browser.newContext()).newPage();
    await other.goto(url(profile.loginPath));
    expect((await elementOptions(other, 'form')).status).toBe(200);
    await other.context().close();
    await first.close();
  });

  it('deleting a passkey signs out the session that signed in with it, on its next request', async () => {
    const owner = await signedIn();
    // The owner adds a passkey with the virtual authenticator, then an attacker's session signs in with it.
    const flow = owner.flow;
    await owner.s.page.goto(url(profile.passkeysPath));
    await owner.s.page.getByRole('button', { name: /add a passkey/i }).click();
    await owner.s.page.waitForURL(/RenamePasskey/);
    await owner.s.page.fill('#Input_Name', 'Stolen');
    await owner.s.page.click('#rename-submit');
    await owner.s.page.waitForURL((u) => /\/Passkeys$/i.test(u.pathname));
    const { credentials } = await owner.s.cdp.send('WebAuthn.getCredentials', { authenticatorId: owner.s.authenticatorId! });
    const attacker = await openBrowser(findBrowser());
    sessions.push(attacker);
    await attacker.cdp.send('WebAuthn.addCredential', { authenticatorId: attacker.authenticatorId!, credential: credentials[0]! });
    const rogue = newFlow(attacker, flow.options.email);
    await rogue.withoutAutofill(async () => {
      await attacker.page.goto(url(profile.loginPath));
      await attacker.page.locator('button[name="__passkeySubmit"]').click();
      await rogue.expectSignedIn();
    });
    // The owner deletes it (their own session, signed in with the password, stays).
    await owner.s.page.goto(url(profile.passkeysPath));
    owner.s.page.once('dialog', (d) => void d.accept());
    await owner.s.page
      .locator('tr.passkey-row')
      .first()
      .getByRole('button', { name: /delete/i })
      .click();
    await owner.s.page.locator('#passkeys-empty').waitFor();
    await owner.s.page.goto(url(profile.passkeysPath));
    expect(owner.s.page.url()).toMatch(/\/Passkeys$/i);
    // The attacker's next request finds the session gone.
    const response = await attacker.page.goto(url(profile.passkeysPath));
    expect(response?.url() ?? '').toMatch(new RegExp(`${profile.loginPath.replace(/\//g, '\\/')}`, 'i'));
  });

  it('five wrong passwords on the add form lock the account, as the login page would', async () => {
    const { s, flow } = await signedIn();
    try {
      clock.set(11); // the sign-in is no longer recent: the form asks for the password
      for (let i = 0; i < 5; i++) {
        const { posted } = await craftedAdd(s.page, { origin: running.url }, { password: `wrong-${i}` });
        expect(error(posted.html)).toBe('Enter your current password to add a passkey.');
      }
      // Locked now: even the right password is refused, with the same message.
      const { posted } = await craftedAdd(s.page, { origin: running.url }, { password: flow.options.password });
      expect(error(posted.html)).toBe('Enter your current password to add a passkey.');
      expect(await passkeyRows(s.page)).toBe(0);
    } finally {
      clock.set(0);
    }
    const locked = await openBrowser(findBrowser());
    sessions.push(locked);
    const again = newFlow(locked, flow.options.email);
    (again.options as { password: string }).password = flow.options.password;
    await again.withoutAutofill(async () => {
      await locked.page.goto(url(profile.loginPath));
      await locked.page.fill(profile.fields.email, flow.options.email);
      await locked.page.fill(profile.fields.password, flow.options.password);
      await locked.page.click(profile.fields.loginSubmit);
      await locked.page.waitForLoadState('load');
    });
    expect(await locked.page.locator(profile.signOutButton).count()).toBe(0);
    expect(await locked.page.content()).toMatch(/locked out/i);
  });

  it('an expired ceremony and two tabs racing on one ceremony give a friendly message, never a 500', async () => {
    const { s } = await signedIn();
    // Two tabs: the second one's options replace the first one's ceremony; the first then answers its own.
    const tabB = await s.context.newPage();
    await s.page.goto(url(profile.passkeysPath));
    await tabB.goto(url(profile.passkeysPath));
    const a = await elementOptions<CreationOptionsJson>(s.page, '#add-passkey');
    await elementOptions<CreationOptionsJson>(tabB, '#add-passkey');
    const crossed = await submit(s.page, '#add-passkey', a.formAction, { 'Passkey.CredentialJson': craftRegistration(a.options, { origin: running.url }).json });
    expect(crossed.status).toBe(200);
    expect(error(crossed.html)).toMatch(/could not be added|expired or was started in another tab/i);
    // Expired: the ceremony outlives the authenticator timeout (5 minutes) on the app's clock.
    try {
      const b = await elementOptions<CreationOptionsJson>(tabB, '#add-passkey');
      clock.set(6);
      const expired = await submit(tabB, '#add-passkey', b.formAction, { 'Passkey.CredentialJson': craftRegistration(b.options, { origin: running.url }).json });
      expect(expired.status).toBe(200);
      expect(error(expired.html)).toMatch(/could not be added|expired or was started in another tab/i);
    } finally {
      clock.set(0);
    }
    // Sign-in ceremonies too: two login tabs, the first answers after the second asked.
    const out = await (await browser.browser.newContext()).newPage();
    const outB = await out.context().newPage();
    await out.goto(url(profile.loginPath));
    await outB.goto(url(profile.loginPath));
    const first = await elementOptions<{ challenge: string }>(out, 'form');
    await elementOptions(outB, 'form');
    const cred = craftRegistration({ challenge: 'AAAA', rp: { id: 'localhost', name: 'x' }, user: { id: 'eA', name: 'x', displayName: 'x' } }, { origin: running.url });
    const signIn = await submit(out, 'form:has(passkey-submit)', (await out.locator('passkey-submit').first().getAttribute('form-action')) as string, {
      'Passkey.CredentialJson': craftAssertion(cred, first.options, running.url),
    });
    expect(signIn.status).toBe(200);
    expect(signIn.html).toMatch(/not registered here|expired or was started in another tab/i);
    await out.context().close();
    await stillUp();
  });

  it("a crafted attestation answering another account's ceremony is refused", async () => {
    const victim = await signedIn();
    const attacker = await signedIn();
    // The victim's ceremony (its options and the ceremony cookie) ends up in the attacker's session.
    await victim.s.page.goto(url(profile.passkeysPath));
    const theirs = await elementOptions<CreationOptionsJson>(victim.s.page, '#add-passkey');
    const ceremony = (await victim.s.context.cookies()).filter((c) => /TwoFactorUserId/i.test(c.name));
    expect(ceremony.length).toBeGreaterThan(0);
    await attacker.s.page.goto(url(profile.passkeysPath));
    await attacker.s.context.addCookies(ceremony);
    const posted = await submit(attacker.s.page, '#add-passkey', theirs.formAction, { 'Passkey.CredentialJson': craftRegistration(theirs.options, { origin: running.url }).json });
    expect(error(posted.html)).toMatch(/another account|could not be added/i);
    expect(await passkeyRows(attacker.s.page)).toBe(0);
    expect(await passkeyRows(victim.s.page)).toBe(0);
  });

  it('the only way to sign in cannot be deleted; a passkey of an account that does not exist is not signalled as unknown', async () => {
    const { s, flow } = await signedIn();
    const { posted } = await craftedAdd(s.page, { origin: running.url });
    expect(posted.url).toMatch(/RenamePasskey/);
    // The account loses its password (an account made with a passkey alone, or by an admin).
    await execute({ kind: 'sqlite', target: path.join(app.dir, db) }, [
      `UPDATE "AspNetUsers" SET "PasswordHash" = NULL WHERE "NormalizedUserName" = '${flow.options.email.toUpperCase()}'`,
    ]);
    await s.page.goto(url(profile.passkeysPath));
    s.page.once('dialog', (d) => void d.accept());
    await s.page
      .locator('tr.passkey-row')
      .first()
      .getByRole('button', { name: /delete/i })
      .click();
    await s.page.waitForLoadState('load');
    expect(await s.page.content()).toMatch(/only way you can sign in/);
    expect(await passkeyRows(s.page)).toBe(1);

    // Signed out: a credential whose user handle names no account is refused, and not signalled for deletion.
    const out = await (await browser.browser.newContext()).newPage();
    await out.goto(url(profile.loginPath));
    const request = await elementOptions<{ challenge: string }>(out, 'form');
    const stranger = craftRegistration(
      { challenge: 'AAAA', rp: { id: 'localhost', name: 'x' }, user: { id: Buffer.from('no-such-user').toString('base64url'), name: 'x', displayName: 'x' } },
      { origin: running.url },
    );
    await out.evaluate(
      ([action, json]) => {
        const form = document.querySelector('form:has(passkey-submit)') as HTMLFormElement;
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'Passkey.CredentialJson';
        input.value = json!;
        form.appendChild(input);
        form.action = action!;
        form.submit();
      },
      [await out.locator('passkey-submit').first().getAttribute('form-action'), craftAssertion(stranger, request.options, running.url)] as const,
    );
    await out.waitForLoadState('load');
    await out
      .getByText(/not registered here, or it was removed/i)
      .first()
      .waitFor();
    expect(await out.locator('passkey-submit[unknown-credential]').count()).toBe(0);
    await out.context().close();
  });

  it('the whole flow still works after the attacks (register, add, sign in, rename, delete, refusal)', async () => {
    const s = await openBrowser(findBrowser());
    sessions.push(s);
    const results = await runPasskeyFlow(newFlow(s));
    expect(
      results.filter((r) => !r.ok),
      JSON.stringify(results, null, 1),
    ).toEqual([]);
  });
});
