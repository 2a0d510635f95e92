/**
 * `passkey-migrate verify`: build the app, run it on localhost, and drive Chromium with a virtual authenticator
 * through the passkey flows. One line per step; screenshots on failure; exit 0 only when every step passes.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { readProject } from '../read/project/index.js';
import { buildApp, startApp } from '../verify/app-runner.js';
import { findBrowser, openBrowser } from '../verify/browser.js';
import { Flow, IDENTITY_PAGES, mvcProfile, runPasskeyFlow } from '../verify/flows.js';
import { mvcRoutes } from '../plan/ui/mvc.js';

export interface VerifyOptions {
  project?: string;
  browser?: string;
  port?: number;
  build?: boolean;
  screenshots?: string;
  timeout?: number;
  capture?: string;
}

export async function verify(options: VerifyOptions, out: Output): Promise<number> {
  const facts = await readProject({ project: options.project });
  const profile = facts.ui.shape === 'mvc-controllers' ? mvcProfile(await mvcRoutes(facts)) : IDENTITY_PAGES;
  const executable = findBrowser(options.browser);
  if (options.build !== false) await out.during('building the app (dotnet build)', () => buildApp(facts.msbuild.path));
  const app = await out.during('starting the app', () => startApp(facts.msbuild.path, { port: options.port }), (running) => running.url);
  const session = await openBrowser(executable).catch(async (error) => {
    await app.stop();
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
    screenshotDir: path.resolve(options.screenshots ?? path.join(facts.msbuild.dir, '.passkey-migrate', 'verify')),
    onStep: (r) => {
      if (out.json) return;
      const mark = r.skipped ? out.style('dim', 'skip') : r.ok ? out.style('ok', 'pass') : out.style('error', 'FAIL');
      out.line(`${mark} ${r.name}${r.ok ? out.style('dim', ` (${r.ms} ms)`) : r.error ? `: ${r.error}` : ''}${r.screenshot ? ` [screenshot ${r.screenshot}]` : ''}`);
    },
  });
  let results;
  try {
    results = await runPasskeyFlow(flow);
  } finally {
    await session.close();
    await app.stop();
  }
  const ok = results.every((r) => r.ok);
  if (out.json) out.document({ command: 'verify', status: ok ? 'passed' : 'failed', url: app.url, account: flow.options.email, steps: results });
  else out.line(ok ? out.style('ok', `all ${results.length} steps passed on ${app.url}`) : out.style('error', `${results.filter((r) => !r.ok).length} of ${results.length} steps did not pass`));
  if (!out.json) out.line(out.style('dim', `the test account ${flow.options.email} stays in the app's development database`));
  return ok ? ExitCode.ok : ExitCode.error;
}
