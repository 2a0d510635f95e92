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
  /**
   * Selectors of the SDK templates' pages, for tests that drive those pages by hand. The flow itself finds the
   * forms and fields on the app's own pages (by their password fields, input types, names and labels).
   */
  fields: { email: string; password: string; confirmPassword: string; registerSubmit: string; loginSubmit: string };
  /** the templates' sign-out button (tests); the flow finds the app's sign-out form by its action */
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
  /** values for register form fields by name or id (--register-field), before any found by type */
  registerFields?: Record<string, string>;
  /** whether the app's database has an account for the e-mail (the register step's effect); absent: not checked */
  accountExists?: (email: string) => Promise<boolean>;
  onStep?: (result: StepResult) => void;
}

/** A signalAllAcceptedCredentials call a page made (WebAuthn Signal API), as the flow observed it. */
export interface AcceptedSignal {
  rpId: string;
  userId: string;
  allAcceptedCredentialIds: string[];
}

const watchers = new WeakMap<Page, Flow>();

export class Flow {
  readonly results: StepResult[] = [];
  private failed = false;
  /** the signalAllAcceptedCredentials calls seen so far (only where the browser has the Signal API) */
  readonly acceptedSignals: AcceptedSignal[] = [];
  /** whether an observed call goes on to the browser (and so to the authenticator) */
  passSignals = true;
  private watching = false;

  constructor(
    readonly session: BrowserSession,
    readonly options: FlowOptions,
  ) {
    session.page.setDefaultTimeout(options.timeoutMs);
  }

  get page(): Page {
    return this.session.page;
  }

  /** Observes the pages' signalAllAcceptedCredentials calls from the next page load on; false without the API. */
  async watchAcceptedSignals(): Promise<boolean> {
    if (!(await this.page.evaluate(() => typeof (window.PublicKeyCredential as unknown as Record<string, unknown> | undefined)?.signalAllAcceptedCredentials === 'function')))
      return false;
    const page = this.page;
    const known = watchers.has(page);
    watchers.set(page, this);
    if (known) return true;
    // Once per page (a page can serve several flows): the binding reports to the page's current flow.
    await page.exposeFunction('__pkmAcceptedSignal', (signal: AcceptedSignal) => {
      const flow = watchers.get(page)!;
      flow.acceptedSignals.push(signal);
      return flow.passSignals;
    });
    await page.addInitScript(() => {
      const api = window.PublicKeyCredential as unknown as Record<string, (options: AcceptedSignal) => Promise<void>>;
      const original = api.signalAllAcceptedCredentials;
      if (typeof original !== 'function') return;
      api.signalAllAcceptedCredentials = async function (options: AcceptedSignal) {
        const record = (window as unknown as { __pkmAcceptedSignal: (s: AcceptedSignal) => Promise<boolean> }).__pkmAcceptedSignal;
        const pass = await record({ rpId: options.rpId, userId: options.userId, allAcceptedCredentialIds: [...options.allAcceptedCredentialIds] });
        if (pass) await original.call(this, options);
      };
    });
    return true;
  }

  /** Waits for a signalAllAcceptedCredentials call, after the first `after` ones, that `matches`; throws with what was seen. */
  async acceptedSignal(after: number, matches: (s: AcceptedSignal) => boolean, what: string): Promise<AcceptedSignal> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.acceptedSignals.slice(after).find(matches);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`the passkeys page did not call signalAllAcceptedCredentials ${what} (calls seen: ${JSON.stringify(this.acceptedSignals.slice(after))})`);
      await this.page.waitForTimeout(100);
    }
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

  /** Signed in, as the server sees it: the passkeys page (which needs a signed-in user) answers instead of redirecting. */
  async isSignedIn(): Promise<boolean> {
    const response = await this.page.request.get(this.url(this.options.profile.passkeysPath), { maxRedirects: 0, failOnStatusCode: false });
    return response.status() === 200;
  }

  async expectSignedIn(what = 'signed in'): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    await this.page.waitForLoadState('load').catch(() => undefined);
    while (!(await this.isSignedIn())) {
      if (Date.now() > deadline) {
        throw new Error(`not ${what}: ${this.options.profile.passkeysPath} still redirects to sign-in (page ${this.page.url()}${await this.pageMessages()})`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  /** What the page says went wrong: validation summaries, field errors, alerts. */
  async pageMessages(): Promise<string> {
    const messages = await this.page
      .$$eval('.validation-summary-errors li, .field-validation-error, .text-danger:not(:empty), [role="alert"]', (nodes) =>
        [...new Set(nodes.map((n) => (n.textContent ?? '').trim()).filter(Boolean))].slice(0, 4),
      )
      .catch(() => [] as string[]);
    return messages.length ? `; it says: ${messages.join(' | ')}` : '';
  }

  /** Waits for an element, or fails naming what it looked for and where. */
  async find(selector: string, what: string): Promise<import('playwright-core').Locator> {
    const locator = this.page.locator(selector).first();
    try {
      await locator.waitFor({ state: 'visible', timeout: this.options.timeoutMs });
    } catch {
      throw new Error(`no ${what} (${selector}) on ${this.page.url()} within ${Math.round(this.options.timeoutMs / 1000)} s`);
    }
    return locator;
  }

  /**
   * Signs out through the app's own sign-out form (found by its action), then checks the server agrees. A sign-out
   * form that only GETs a confirmation page (Identity UI's Logout page, which asks again with a POST form) is
   * followed by the form on that page, as a user would click it. An app that answers the sign-out with its login
   * page would be signed straight back in by the browser's passkey autofill there, and Playwright cannot rewrite a
   * page reached by a redirect (it routes no redirects), so the autofill's options request is aborted meanwhile.
   */
  async signOut(): Promise<void> {
    const options = (u: URL) => /\/PasskeyRequestOptions$/i.test(u.pathname);
    const abort = (route: import('playwright-core').Route) => route.abort();
    await this.page.route(options, abort);
    try {
      await this.submitSignOut();
    } finally {
      await this.page.unroute(options, abort);
    }
  }

  private async submitSignOut(): Promise<void> {
    await this.page.goto(this.url('/'));
    const deadline = Date.now() + this.options.timeoutMs;
    for (let round = 0; round < 2; round++) {
      // The document the sign-out answer (usually a redirect) loads: waited for below, or the next goto races it.
      const loaded = this.page.waitForEvent('load', { timeout: this.options.timeoutMs }).catch(() => undefined);
      const method = await this.page.evaluate(() => {
        const forms = [...document.querySelectorAll('form')].filter((f) => /log-?out|log-?off|sign-?out/i.test(f.getAttribute('action') ?? ''));
        const form = forms.find((f) => f.method === 'post') ?? forms[0];
        if (!form) return null;
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
        return form.method;
      });
      if (!method) {
        if (round === 0) throw new Error(`no sign-out form (a form whose action names logout, logoff or signout) on ${this.page.url()}`);
        break;
      }
      if (method !== 'post') {
        await loaded;
        await this.page.waitForLoadState('load');
        if (!(await this.isSignedIn())) return;
        continue;
      }
      // The submit navigates when the server answers: until then the session is still there.
      while (await this.isSignedIn()) {
        if (Date.now() > deadline) throw new Error(`still signed in ${Math.round(this.options.timeoutMs / 1000)} s after submitting the sign-out form on ${this.page.url()}`);
        await this.page.waitForTimeout(100);
      }
      await loaded;
      await this.page.waitForLoadState('load');
      return;
    }
    throw new Error(`still signed in after the sign-out form on ${this.page.url()} (a GET form, and no POST sign-out form on the page it opened)`);
  }

  /**
   * Marks the form holding `passwords` password fields on the current page and its fields (data-pkm-* attributes),
   * as found by input types, names and labels; returns what it marked, or why it could not.
   */
  async markForm(
    kind: 'register' | 'login',
    given: Record<string, string> = {},
  ): Promise<{ form: string; fields: Record<string, string>; extra: { name: string; type: string; value: string }[]; problem?: string }> {
    return this.page.evaluate(
      ({ kind, given, account }) => {
        const visible = (e: Element) =>
          !(e as HTMLElement).hidden && (e as HTMLInputElement).type !== 'hidden' && !(e as HTMLInputElement).disabled && getComputedStyle(e).display !== 'none';
        const forms = [...document.querySelectorAll('form')];
        const passwords = (f: HTMLFormElement) => [...f.querySelectorAll('input[type="password"]')].filter(visible);
        const form = kind === 'register' ? forms.find((f) => passwords(f).length >= 2) : forms.find((f) => passwords(f).length === 1);
        if (!form) return { form: '', fields: {}, extra: [], problem: `no form with ${kind === 'register' ? 'a password and a confirmation field' : 'one password field'}` };
        form.setAttribute('data-pkm-form', kind);
        const inputs = [...form.querySelectorAll('input, select, textarea')].filter(visible) as HTMLInputElement[];
        const labelOf = (i: HTMLInputElement) =>
          (i.id ? (document.querySelector(`label[for="${i.id}"]`)?.textContent ?? '') : '') + ' ' + (i.getAttribute('aria-label') ?? '') + ' ' + (i.placeholder ?? '');
        const isUser = (i: HTMLInputElement) => i.type === 'email' || /e-?mail|user\s*name|username|login/i.test(`${i.name} ${i.id} ${labelOf(i)}`);
        const email = inputs.find((i) => i.type === 'email') ?? inputs.find((i) => (i.type === 'text' || !i.getAttribute('type')) && isUser(i));
        const [password, confirm] = passwords(form) as HTMLInputElement[];
        const submit = ([...form.querySelectorAll('button, input[type="submit"]')] as HTMLButtonElement[]).find(
          (b) => visible(b) && (b.type === 'submit' || !b.getAttribute('type')) && b.name !== '__passkeySubmit' && !b.closest('passkey-submit'),
        );
        const fields: Record<string, string> = {};
        const mark = (e: Element | undefined, name: string) => {
          if (!e) return;
          e.setAttribute('data-pkm-field', name);
          fields[name] = `[data-pkm-form="${kind}"] [data-pkm-field="${name}"]`;
        };
        mark(email, 'email');
        mark(password, 'password');
        if (kind === 'register') mark(confirm, 'confirm');
        mark(submit, 'submit');
        if (!email)
          return {
            form: `form[data-pkm-form="${kind}"]`,
            fields,
            extra: [],
            problem: 'no e-mail or user name field (an input of type email, or one named or labelled e-mail / user name)',
          };
        if (!submit) return { form: `form[data-pkm-form="${kind}"]`, fields, extra: [], problem: 'no submit button' };
        // Every other field the form requires, filled by its type (register only).
        const extra: { name: string; type: string; value: string }[] = [];
        if (kind === 'register') {
          for (const input of inputs) {
            if ([email, password, confirm].includes(input) || input.getAttribute('data-pkm-field')) continue;
            const key = input.name || input.id;
            const own = given[input.name] ?? given[input.id];
            const required =
              input.required || input.hasAttribute('data-val-required') || input.getAttribute('data-val-range-min') === 'True' || input.getAttribute('aria-required') === 'true';
            if (own === undefined && (!required || (input.type !== 'checkbox' && input.value))) continue;
            const type = input.tagName === 'SELECT' ? 'select' : input.tagName === 'TEXTAREA' ? 'textarea' : input.type || 'text';
            let value = own;
            if (value === undefined) {
              const max = Number(input.getAttribute('maxlength') ?? input.getAttribute('data-val-length-max') ?? 0) || 40;
              const min = Number(input.getAttribute('minlength') ?? input.getAttribute('data-val-length-min') ?? 0) || 0;
              const text = 'Passkey Verify'.padEnd(min, 'x').slice(0, max);
              switch (type) {
                case 'text':
                case 'search':
                case 'textarea':
                  // A user name beside the e-mail: letters and digits only, which every user-name rule allows.
                  value = isUser(input)
                    ? account
                        .replace(/@.*$/, '')
                        .replace(/[^A-Za-z0-9]/g, '')
                        .slice(0, max)
                    : text;
                  break;
                case 'tel':
                  value = '+15555550100';
                  break;
                case 'url':
                  value = 'https://example.test/';
                  break;
                case 'email':
                  value = `verify-${Date.now()}@example.test`;
                  break;
                case 'number':
                case 'range':
                  value = input.min || (input.getAttribute('data-val-range-min') ?? '1');
                  break;
                case 'date':
                  value = input.min && input.min > '1990-01-01' ? input.min : input.max && input.max < '1990-01-01' ? input.max : '1990-01-01';
                  break;
                case 'datetime-local':
                  value = '1990-01-01T12:00';
                  break;
                case 'month':
                  value = '1990-01';
                  break;
                case 'time':
                  value = '12:00';
                  break;
                case 'checkbox':
                  value = 'checked';
                  break;
                case 'radio':
                  value = 'checked';
                  break;
                case 'select':
                  value = [...(input as unknown as HTMLSelectElement).options].find((o) => o.value)?.value ?? '';
                  break;
                default:
                  return {
                    form: `form[data-pkm-form="${kind}"]`,
                    fields,
                    extra,
                    problem: `the register form requires the field ${key} (type ${type}), which verify cannot fill: pass --register-field ${key}=<value>`,
                  };
              }
              const pattern = input.getAttribute('pattern') ?? input.getAttribute('data-val-regex-pattern');
              if (pattern && type !== 'checkbox' && !new RegExp(`^(?:${pattern})$`).test(value)) {
                return {
                  form: `form[data-pkm-form="${kind}"]`,
                  fields,
                  extra,
                  problem: `the register form requires the field ${key} to match ${pattern}: pass --register-field ${key}=<value>`,
                };
              }
            }
            input.setAttribute('data-pkm-field', `extra-${extra.length}`);
            extra.push({ name: key, type, value });
          }
        }
        return { form: `form[data-pkm-form="${kind}"]`, fields, extra };
      },
      { kind, given, account: this.options.email },
    );
  }

  /** The login page with autofill switched off, so the button (not the browser's autofill) runs the ceremony. */
  async withoutAutofill<T>(run: () => Promise<T>): Promise<T> {
    const loginPath = this.options.profile.loginPath.toLowerCase();
    const handler = async (route: import('playwright-core').Route) => {
      // Only the page itself: the form's post goes through untouched (route.fetch would follow its redirects and
      // leave the browser on the login URL with another page's content).
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch({ maxRedirects: 0 });
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

  await flow.step('register an account', async () => {
    await page.goto(flow.url(profile.registerPath));
    const form = await flow.markForm('register', flow.options.registerFields);
    if (form.problem) throw new Error(`${profile.registerPath}: ${form.problem}`);
    await page.fill(form.fields.email!, email);
    await page.fill(form.fields.password!, password);
    await page.fill(form.fields.confirm!, password);
    for (const [i, field] of form.extra.entries()) {
      const selector = `${form.form} [data-pkm-field="extra-${i}"]`;
      if (field.type === 'checkbox' || field.type === 'radio') await page.check(selector);
      else if (field.type === 'select') await page.selectOption(selector, field.value);
      else await page.fill(selector, field.value);
    }
    await Promise.all([page.waitForLoadState('load'), page.click(form.fields.submit!)]);
    await page.waitForLoadState('load');
    // Still on the register page with its form (the page re-rendered: the form is found again, not by our marks).
    if (new URL(page.url()).pathname.toLowerCase() === profile.registerPath.toLowerCase() && !(await flow.markForm('register')).problem?.startsWith('no form')) {
      throw new Error(`the app did not accept the registration (still on ${profile.registerPath}${await flow.pageMessages()})`);
    }
    // A confirmation step when the app requires confirmed accounts (the development link stands in for the e-mail).
    const confirm = page.locator('#confirm-link, a[href*="ConfirmEmail" i]');
    if (await confirm.count()) {
      await confirm.first().click();
      await page.waitForLoadState('load');
      if (!/confirm/i.test(await page.content())) throw new Error('no e-mail confirmation page after following the confirmation link');
    }
    if (flow.options.accountExists && !(await flow.options.accountExists(email))) {
      throw new Error(`the database has no account for ${email} after registering (page ${page.url()}${await flow.pageMessages()})`);
    }
  });

  await flow.step('sign in with the password', async () => {
    if (await flow.isSignedIn()) return; // apps that sign in right after registering
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      const form = await flow.markForm('login');
      if (form.problem) throw new Error(`${profile.loginPath}: ${form.problem}`);
      await page.fill(form.fields.email!, email);
      await page.fill(form.fields.password!, password);
      await page.click(form.fields.submit!);
      await flow.expectSignedIn('signed in with the password');
    });
  });
}

/** The whole flow. Returns the results; `results.every(r => r.ok)` means passkeys work. */
export async function runPasskeyFlow(flow: Flow): Promise<StepResult[]> {
  const { page } = flow;
  const { profile } = flow.options;

  await registerAndSignIn(flow);

  await flow.step('add a passkey', async () => {
    const signalling = await flow.watchAcceptedSignals();
    // Password managers find the page through /.well-known/passkey-endpoints: the page is opened from there.
    const wellKnown = await page.request.get(flow.url('/.well-known/passkey-endpoints'), { maxRedirects: 0 });
    const expected = flow.url(profile.passkeysPath).toLowerCase();
    const named = wellKnown.ok() ? ((await wellKnown.json().catch(() => null)) as { enroll?: string; manage?: string } | null) : null;
    if (!named || named.manage?.toLowerCase() !== expected || named.enroll?.toLowerCase() !== expected) {
      throw new Error(`/.well-known/passkey-endpoints does not name the passkeys page (${wellKnown.status()}: ${named ? JSON.stringify(named) : 'no JSON document'})`);
    }
    await page.goto(named.manage!);
    if (!(await page.locator('#passkeys-empty').count())) throw new Error('the passkeys page does not show the empty state for a new account');
    await flow.capture('manage-passkeys-empty');
    await (await flow.find('button:has-text("Add a passkey")', 'add-a-passkey button')).click();
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
    if (signalling) {
      // The list page tells the password manager which passkeys the account has: the new one, under its user handle.
      const signal = await flow.acceptedSignal(0, (s) => s.allAcceptedCredentialIds.length > 0, 'after a passkey was added');
      const { credentials } = await flow.session.cdp.send('WebAuthn.getCredentials', { authenticatorId: flow.session.authenticatorId! });
      const b64url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const held = credentials.map((c: { credentialId: string; userHandle?: string }) => ({ id: b64url(c.credentialId), user: b64url(c.userHandle ?? '') }));
      const expected = { rpId: new URL(flow.options.baseUrl).hostname, userId: held[0]?.user, allAcceptedCredentialIds: held.map((c: { id: string }) => c.id) };
      if (JSON.stringify(signal) !== JSON.stringify(expected)) throw new Error(`signalAllAcceptedCredentials got ${JSON.stringify(signal)}, not ${JSON.stringify(expected)}`);
    }
  });

  await flow.step('sign out', () => flow.signOut());

  await flow.step('sign in with the passkey (button)', async () => {
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      await flow.capture('login');
      await (await flow.find('button[name="__passkeySubmit"]', 'passkey sign-in button')).click();
      await flow.expectSignedIn('signed in with the passkey');
    });
  });

  await flow.step('sign out again', () => flow.signOut());

  await flow.step('sign in with the passkey (autofill)', async () => {
    // Autofill may finish the ceremony and post the form before the page's load event: wait for the commit only.
    await page.goto(flow.url(profile.loginPath), { waitUntil: 'commit' });
    await flow.expectSignedIn('signed in through autofill');
    // The form posted and the browser follows the app's redirect: wait until it has left the login page, or the
    // next step's navigation races that one.
    await page.waitForURL((u) => u.pathname.toLowerCase() !== profile.loginPath.toLowerCase(), { waitUntil: 'load', timeout: flow.options.timeoutMs });
  });

  await flow.step('rename the passkey', async () => {
    await page.goto(flow.url(profile.passkeysPath));
    await page
      .locator('tr.passkey-row')
      .first()
      .getByRole('link', { name: /rename/i })
      .click();
    await page.fill('#Input_Name', flow.options.renamedTo);
    await page.click('#rename-submit');
    await page.waitForURL((u) => /\/Passkeys$/i.test(u.pathname));
    const rows = await flow.passkeyRows();
    if (rows[0]?.name !== flow.options.renamedTo) throw new Error(`the list shows "${rows[0]?.name}" after renaming to "${flow.options.renamedTo}"`);
  });

  await flow.step('delete the passkey', async () => {
    await page.goto(flow.url(profile.passkeysPath));
    page.once('dialog', (d) => void d.accept());
    const seen = flow.acceptedSignals.length;
    // The next steps need the deleted passkey still in the authenticator (to prove the server refuses it): the
    // signal after the delete is observed, not passed on.
    flow.passSignals = false;
    try {
      await page
        .locator('tr.passkey-row')
        .first()
        .getByRole('button', { name: /delete/i })
        .click();
      await page.locator('#passkeys-empty').waitFor();
      if (watchers.get(page) === flow) await flow.acceptedSignal(seen, (s) => s.allAcceptedCredentialIds.length === 0, 'with no passkeys after the delete');
    } finally {
      flow.passSignals = true;
    }
  });

  await flow.step('a deleted passkey is refused', async () => {
    await flow.signOut();
    await flow.withoutAutofill(async () => {
      await page.goto(flow.url(profile.loginPath));
      await (await flow.find('button[name="__passkeySubmit"]', 'passkey sign-in button')).click();
      await page.waitForLoadState('load');
      await flow.find('text=/not registered here, or it was removed/i', 'message that the passkey is not registered');
      await flow.capture('login-deleted-passkey');
    });
    if (await flow.isSignedIn()) throw new Error('signed in with a deleted passkey');
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
