/**
 * `passkey-migrate verify`: build the app, run it on localhost as `dotnet run` would (its launch profile's
 * variables, its environment, its connection string), and drive Chromium with a virtual authenticator through
 * the passkey flows. One line per step; every step checks its effect (the account is in the database, the server
 * sees the user signed in, the passkey is listed); screenshots of failures go to the system's temp folder.
 * Ctrl-C or any exit stops the app (its whole process group) and the browser.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { dialectFor } from '../db/registry.js';
import { type ProjectFacts } from '../read/project/index.js';
import { buildApp, startApp, stopStartedApps, type RunningApp } from '../verify/app-runner.js';
import { findBrowser, openBrowser, type BrowserSession } from '../verify/browser.js';
import { Flow, IDENTITY_PAGES, runPasskeyFlow, type AppProfile } from '../verify/flows.js';
import { uiKind } from '../plan/ui/kinds.js';
import { manageKindFor, uiKindFor } from '../plan/ui/index.js';
import { readTarget, type TargetOptions } from './target.js';

export interface VerifyOptions extends TargetOptions {
  browser?: string;
  port?: number;
  build?: boolean;
  screenshots?: string;
  timeout?: number;
  capture?: string;
  launchProfile?: string;
  environment?: string;
  /** name=value pairs for the register form */
  registerField?: string[];
}

/** The pages verify drives, as the plan placed them: sign-in by the UI kind, management where add put it. */
async function profileFor(facts: ProjectFacts): Promise<AppProfile> {
  const kind = uiKindFor(facts);
  const manage = manageKindFor(facts, kind).kind;
  // The flow finds forms and fields on the app's own pages; the selectors of the templates' pages are not used.
  return { ...IDENTITY_PAGES, ...(await uiKind(kind).signInPages(facts)), passkeysPath: await uiKind(manage).passkeysPath(facts) };
}

export function parseFields(pairs: string[] | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UserError(`--register-field ${pair}: expected name=value`, { hint: 'for example --register-field DisplayName="Ada Lovelace"' });
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return fields;
}

/** The register step's effect, asked of the app's own database (read-only): an account with that e-mail. */
function accountCheck(facts: ProjectFacts): ((email: string) => Promise<boolean>) | undefined {
  const provider = facts.identity.provider?.name;
  const connection = facts.connection?.value;
  if (!provider || !connection) return undefined;
  const users = facts.identity.tables.users;
  return async (email) => {
    const dialect = await dialectFor(provider);
    const db = await dialect.open(connection, facts.msbuild.dir, { readOnly: true, connectTimeoutMs: 5000 });
    try {
      const table = users.schema ? sql.id(users.schema, users.name) : sql.id(users.name);
      const normalized = email.toUpperCase();
      const rows = await sql<{
        n: number;
      }>`select count(*) as n from ${table} where ${sql.id('NormalizedEmail')} = ${normalized} or ${sql.id('NormalizedUserName')} = ${normalized}`.execute(db);
      return Number(rows.rows[0]?.n ?? 0) > 0;
    } finally {
      await db.destroy();
    }
  };
}

export async function verify(options: VerifyOptions, out: Output): Promise<number> {
  const registerFields = parseFields(options.registerField);
  const env: NodeJS.ProcessEnv = { ...process.env, ...(options.environment ? { ASPNETCORE_ENVIRONMENT: options.environment } : {}) };
  const facts = await readTarget(options, { launchProfile: options.launchProfile, env });
  const profile = await profileFor(facts);
  const executable = findBrowser(options.browser);
  // The app as `dotnet run` starts it: the shell's variables, the launch profile's on top, the chosen environment.
  const appEnv: NodeJS.ProcessEnv = { ...env, ...facts.launchEnvironment, ASPNETCORE_ENVIRONMENT: options.environment ?? facts.environment };

  let app: RunningApp | null = null;
  let session: BrowserSession | null = null;
  const cleanup = async () => {
    await session?.close().catch(() => undefined);
    await app?.stop().catch(() => undefined);
    await stopStartedApps().catch(() => undefined);
  };
  // Ctrl-C or SIGTERM at any point: the app's process group and the browser go with us.
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    void cleanup().finally(() => {
      out.error(`interrupted (${signal}): the app and the browser were stopped`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (options.build !== false) await out.during('building the app (dotnet build)', () => buildApp(facts.msbuild.path, appEnv));
    app = await out.during(
      'starting the app',
      () => startApp(facts.msbuild.path, { port: options.port, env: appEnv }),
      (running) => `${running.url} (${appEnv.ASPNETCORE_ENVIRONMENT}${facts.launchProfile ? `, launch profile ${facts.launchProfile.name}` : ''})`,
    );
    session = await openBrowser(executable).catch((error) => {
      throw new UserError(`could not start ${executable}: ${(error as Error).message.split('\n')[0]}`);
    });
    const id = randomBytes(4).toString('hex');
    const flow = new Flow(session, {
      baseUrl: app.url,
      profile,
      email: `passkey-verify-${id}@example.test`,
      password: `Pk-${id}-Verify!9`,
      passkeyName: 'Verify passkey',
      renamedTo: 'Verify passkey (renamed)',
      timeoutMs: options.timeout ?? 30_000,
      captureDir: options.capture ? path.resolve(options.capture) : undefined,
      screenshotDir: path.resolve(options.screenshots ?? path.join(os.tmpdir(), 'passkey-migrate', `verify-${id}`)),
      registerFields,
      accountExists: accountCheck(facts),
      onStep: (r) => {
        if (out.json) return;
        const mark = r.skipped ? out.style('dim', 'skip') : r.ok ? out.style('ok', 'pass') : out.style('error', 'FAIL');
        out.line(`${mark} ${r.name}${r.ok ? out.style('dim', ` (${r.ms} ms)`) : r.error ? `: ${r.error}` : ''}${r.screenshot ? ` [screenshot ${r.screenshot}]` : ''}`);
      },
    });
    const results = await runPasskeyFlow(flow);
    const ok = results.every((r) => r.ok);
    if (out.json)
      out.document({
        command: 'verify',
        status: ok ? 'ok' : 'error',
        ...(ok ? {} : { error: { message: `${results.filter((r) => !r.ok && !r.skipped).length} of ${results.length} steps failed`, code: 'verify-failed' } }),
        url: app.url,
        environment: appEnv.ASPNETCORE_ENVIRONMENT,
        account: flow.options.email,
        steps: results,
      });
    else {
      const failed = results.filter((r) => !r.ok && !r.skipped).length;
      const skipped = results.filter((r) => r.skipped).length;
      out.line(
        ok
          ? out.style('ok', `all ${results.length} steps passed on ${app.url}`)
          : out.style('error', `${failed} of ${results.length} steps failed${skipped ? `, ${skipped} skipped after it` : ''}`),
      );
    }
    if (!out.json) out.line(out.style('dim', `the test account ${flow.options.email} stays in the app's database`));
    return ok ? ExitCode.ok : ExitCode.error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await cleanup();
  }
}
