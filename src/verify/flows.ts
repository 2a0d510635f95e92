/**
 * Guide step 11, automated: register, confirm, sign in with the password, add a passkey, sign out, sign in with
 * the passkey (button, then autofill), rename it, delete it, and see the deleted passkey refused. One result per
 * step; a failing step saves a screenshot and skips the steps that depend on it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { BrowserSession } from './browser.js';

export interface AppProfile {
  registerPath: string;
  loginPath: string;
  passkeysPath: string;
  fields: { email: string; password: string; confirmPassword: string; registerSubmit: string; loginSubmit: string };
  /** the layout's sign-out button: present only while signed in, and clicked to sign out */
  signOutButton: string;
}

export const IDENTITY_PAGES: AppProfile = {
  registerPath: '/Identity/Account/Register',
  loginPath: '/Identity/Account/Login',
  passkeysPath: '/Identity/Account/Manage/Passkeys',
  fields: { email: '#Input_Email', password: '#Input_Password', confirmPassword: '#Input_ConfirmPassword', registerSubmit: '#registerSubmit', loginSubmit: '#login-submit' },
  signOutButton: 'form[action*="/Account/Logout" i] button[type="submit"], #logout',
};

/** An MVC app: the account and manage controllers' routes; the fields named as the view models name them. */
export function mvcProfile(routes: { account: string; manage: string }): AppProfile {
  return {
    registerPath: `${routes.account}/Register`,
    loginPath: `${routes.account}/Login`,
    passkeysPath: `${routes.manage}/Passkeys`,
    fields: {
      email: 'form:has([name="ConfirmPassword"]) [name="Email"], form:has([name="Password"]) [name="Email"]',
      password: 'form:has([name="Email"]) [name="Password"]',
      confirmPassword: '[name="ConfirmPassword"]',
      registerSubmit: 'form:has([name="ConfirmPassword"]) button[type="submit"]',
      loginSubmit: 'form:has([name="Password"]) button[type="submit"]:not([name="__passkeySubmit"])',
    },
    signOutButton: 'form[action*="/Account/Logout" i] button[type="submit"], form[action*="/Account/LogOff" i] button[type="submit"], #logout',
  };
}

export interface StepResult {
  name: string;
  ok: boolean;
  skipped?: boolean;
  ms: number;
  error?: string;
  screenshot?: string;
}

export interface FlowOptions {
  baseUrl: string;
  profile: AppProfile;
  email: string;
  password: string;
  passkeyName: string;
  renamedTo: string;
  timeoutMs: number;
  screenshotDir: string;
  /** save a screenshot of each page the flow shows to users (login, passkey list, rename, refusal) here */
  captureDir?: string;
  onStep?: (result: StepResult) => void;
}

export class Flow {
  readonly results: StepResult[] = [];
  private failed = false;

  constructor(
    readonly session: BrowserSession,
    readonly options: FlowOptions,
  ) {
    session.page.setDefaultTimeout(options.timeoutMs);
  }

  get page(): Page {
    return this.session.page;
  }

  url(p: string): string {
    return new URL(p, this.options.baseUrl).toString();
  }

  /** Runs a step unless an earlier one failed; records the outcome. */
  async step(name: string, run: () => Promise<void>): Promise<boolean> {
    const started = Date.now();
    if (this.failed) {
      const result = { name, ok: false, skipped: true, ms: 0 };
      this.results.push(result);
      this.options.onStep?.(result);
      return false;
    }
    try {
      await run();
      const result = { name, ok: true, ms: Date.now() - started };
      this.results.push(result);
      this.options.onStep?.(result);
      return true;
    } catch (error) {
      this.failed = true;
      mkdirSync(this.options.screenshotDir, { recursive: true });
      const screenshot = path.join(this.options.screenshotDir, `${String(this.results.length + 1).padStart(2, '0')}-${name.replace(/[^\w]+/g, '-')}.png`);
      await this.page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
      const message = (error as Error).message?.split('\n')[0] ?? String(error);
      const result = { name, ok: false, ms: Date.now() - started, error: message, screenshot };
      this.results.push(result);
      this.options.onStep?.(result);
      return false;
    }
  }

  async capture(name: string): Promise<void> {
    if (!this.options.captureDir) return;
    mkdirSync(this.options.captureDir, { recursive: true });
    await this.page.screenshot({ path: path.join(this.options.captureDir, `${name}.png`), fullPage: true });
  }

  async expectSignedIn(): Promise<void> {
    await this.page.locator(this.options.profile.signOutButton).first().waitFor({ state: 'visible' });
  }

  async signOut(): Promise<void> {
    await this.page.goto(this.url('/'));
    await this.page.locator(this.options.profile.signOutButton).first().click();
    await this.page.waitForLoadState('load');
    await this.page.goto(this.url('/'));
    if (await this.page.locator(this.options.profile.signOutButton).count()) throw new Error('still signed in after signing out');
  }

  /** The login page with autofill switched off, so the button (not the browser's autofill) runs the ceremony. */
  async withoutAutofill<T>(run: () => Promise<T>): Promise<T> {
    const loginPath = this.options.profile.loginPath.toLowerCase();
    const handler = async (route: import('playwright-core').Route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/(<passkey-submit\b[^>]*\bautofill=")on(")/g, '$1off$2');
      await route.fulfill({ response, body });
    };
    const matcher = (u: URL) => u.pathname.toLowerCase() === loginPath;
    await this.page.route(matcher, handler);
    try {
      return await run();
    } finally {
      await this.page.unroute(matcher, handler);
    }
  }

  async passkeyRows(): Promise<{ name: string; created: string }[]> {
    return this.page.$$eval('tr.passkey-row', (rows) =>
      rows.map((r) => ({
        name: (r.querySelector('.passkey-name')?.textContent ?? '').trim(),
        created: (r.querySelector('.passkey-created')?.textContent ?? '').trim(),
      })),
    );
  }
}

/** Registers a new account (following the development confirmation link) and signs in with the password. */
export async function registerAndSignIn(flow: Flow): Promise<void> {
  const { page } = flow;
  const { profile, email, password } = flow.options;
  const f = profile.fields;

  await flow.step('register an account', async () => {
    await page.goto(flow.url(profile.registerPath));
    await page.fill(f.email, email);
    await page.fill(f.password, password);
    await page.fill(f.confirmPassword, password);
    await Promise.all([page.waitForLoadState('load'), page.click(f.registerSubmit)]);
    // A confirmation step when the app requires confirmed accounts (the development link stands in for the e-mail).
    const confirm = page.locator('#confirm-link');
    if (await confirm.count()) {
      await confirm.first().click();
      await page.waitForLoadState('load');
      if (!/confirm/i.test(await page.content())) throw new Error('no e-mail confirmation page after following the confirmation link');
    }
  });

  await flow.step('sign in with the password', async () => {
    if (await page.locator(profile.signOutButton).count()) return; // apps that sign in right after registering
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      await page.fill(f.email, email);
      await page.fill(f.password, password);
      await page.click(f.loginSubmit);
      await flow.expectSignedIn();
    });
  });
}

/** The whole flow. Returns the results; `results.every(r => r.ok)` means passkeys work. */
export async function runPasskeyFlow(flow: Flow): Promise<StepResult[]> {
  const { page } = flow;
  const { profile } = flow.options;

  await registerAndSignIn(flow);

  await flow.step('add a passkey', async () => {
    await page.goto(flow.url(profile.passkeysPath));
    if (!(await page.locator('#passkeys-empty').count())) throw new Error('the passkeys page does not show the empty state for a new account');
    await flow.capture('manage-passkeys-empty');
    await page.getByRole('button', { name: /add a passkey/i }).click();
    await page.waitForURL((u) => !/\/Passkeys$/i.test(u.pathname) || u.search.length > 0);
    await page.waitForLoadState('load');
    if (/RenamePasskey/i.test(page.url())) {
      await flow.capture('manage-rename-new-passkey');
      await page.fill('#Input_Name', flow.options.passkeyName);
      await page.click('#rename-submit');
      await page.waitForURL((u) => /\/Passkeys$/i.test(u.pathname));
    }
    const rows = await flow.passkeyRows();
    if (rows.length !== 1) throw new Error(`the list shows ${rows.length} passkeys after adding one`);
    if (!rows[0]!.name || !rows[0]!.created) throw new Error(`the new passkey has no name or date (${JSON.stringify(rows[0])})`);
    await flow.capture('manage-passkeys-list');
  });

  await flow.step('sign out', () => flow.signOut());

  await flow.step('sign in with the passkey (button)', async () => {
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      await flow.capture('login');
      await page.locator('button[name="__passkeySubmit"]').click();
      await flow.expectSignedIn();
    });
  });

  await flow.step('sign out again', () => flow.signOut());

  await flow.step('sign in with the passkey (autofill)', async () => {
    await page.goto(flow.url(profile.loginPath));
    await flow.expectSignedIn();
  });

  await flow.step('rename the passkey', async () => {
    await page.goto(flow.url(profile.passkeysPath));
    await page.locator('tr.passkey-row').first().getByRole('link', { name: /rename/i }).click();
    await page.fill('#Input_Name', flow.options.renamedTo);
    await page.click('#rename-submit');
    await page.waitForURL((u) => /\/Passkeys$/i.test(u.pathname));
    const rows = await flow.passkeyRows();
    if (rows[0]?.name !== flow.options.renamedTo) throw new Error(`the list shows "${rows[0]?.name}" after renaming to "${flow.options.renamedTo}"`);
  });

  await flow.step('delete the passkey', async () => {
    await page.goto(flow.url(profile.passkeysPath));
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr.passkey-row').first().getByRole('button', { name: /delete/i }).click();
    await page.locator('#passkeys-empty').waitFor();
  });

  await flow.step('a deleted passkey is refused', async () => {
    await flow.signOut();
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      await page.locator('button[name="__passkeySubmit"]').click();
      await page.waitForLoadState('load');
      await page.getByText(/not registered here, or it was removed/i).first().waitFor();
      await flow.capture('login-deleted-passkey');
    });
    if (await page.locator(profile.signOutButton).count()) throw new Error('signed in with a deleted passkey');
  });

  await flow.step('the browser is told to forget the deleted passkey', async () => {
    if (!(await page.evaluate(() => typeof (PublicKeyCredential as unknown as Record<string, unknown>).signalUnknownCredential === 'function'))) return; // no Signal API here
    if (!(await page.getAttribute('passkey-submit', 'unknown-credential'))) throw new Error('the login page did not name the unknown passkey');
    // The virtual authenticator stands in for the password manager: it drops the passkey when signalled.
    const deadline = Date.now() + 5000;
    for (;;) {
      const { credentials } = await flow.session.cdp.send('WebAuthn.getCredentials', { authenticatorId: flow.session.authenticatorId! });
      if (credentials.length === 0) return;
      if (Date.now() > deadline) throw new Error('the authenticator still holds the deleted passkey');
      await page.waitForTimeout(100);
    }
  });

  return flow.results;
}
