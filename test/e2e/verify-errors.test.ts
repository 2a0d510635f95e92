/**
 * verify fails with one clear line: no browser at the given path; an app that does not build. A step fails on its
 * effect, naming what it waited for; Ctrl-C stops the app it started.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../helpers/dotnet.js';
import { copyFixture, materialize, type Materialized } from '../helpers/fixtures.js';
import { binPath, runCli } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('names a missing browser, and a build that fails, in one line each', async () => {
  const dir = copyFixture('webapp-sqlite');
  dirs.push(dir);
  const noBrowser = await runCli(['verify', '--project', dir, '--browser', '/nonexistent/chrome']);
  expect(noBrowser.code).toBe(1);
  expect(noBrowser.stderr.trim()).toBe('error: browser not found at /nonexistent/chrome');

  appendFileSync(path.join(dir, 'Program.cs'), '\nthis is not C#\n');
  const broken = await runCli(['verify', '--project', dir]);
  expect(broken.code).toBe(1);
  const errors = broken.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error: dotnet build failed \(\d+ errors?; first: .*Program\.cs\(\d+,\d+\): error CS\d+: .*\) \(run dotnet build in the project to see them all\)$/);
  expect(broken.stderr).not.toMatch(/\n\s+at /);
}, 180_000);

describe('verify cannot pass falsely, names what it waited for, and cleans up', () => {
  let app: Materialized;
  const register = () => path.join(app.dir, 'Areas', 'Identity', 'Pages', 'Account', 'Register.cshtml.cs');
  let original: string;

  beforeAll(async () => {
    app = await materialize('register-extra-fields');
    const added = await runCli(['add', '--project', app.dir, '--yes']);
    expect(added.code, added.stderr).toBe(0);
    original = readFileSync(register(), 'utf8');
  }, 240_000);
  afterAll(() => app?.cleanup());

  it('a Register page whose POST fails makes "register an account" FAIL with the page’s reason', async () => {
    writeFileSync(
      register(),
      original.replace(
        'returnUrl ??= Url.Content("~/");',
        'returnUrl ??= Url.Content("~/");\n            ModelState.AddModelError(string.Empty, "Registration is closed.");\n            if (ModelState.ErrorCount > 0) { return Page(); }',
      ),
    );
    const result = await runCli(['verify', '--project', app.dir, '--json', '--timeout', '15000']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.steps[0]).toMatchObject({ name: 'register an account', ok: false });
    expect(report.steps[0].error).toMatch(/did not accept the registration .*Registration is closed\./);
    expect(report.steps.slice(1).every((s: { skipped?: boolean }) => s.skipped)).toBe(true);
  }, 240_000);

  it('a missing element fails its step naming the selector, the page and the wait', async () => {
    writeFileSync(register(), original);
    const login = path.join(app.dir, 'Areas', 'Identity', 'Pages', 'Account', 'Login.cshtml');
    writeFileSync(login, readFileSync(login, 'utf8').replace(/^.*<passkey-submit-button\b.*$/m, ''));
    const result = await runCli(['verify', '--project', app.dir, '--timeout', '10000']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL sign in with the passkey \(button\): no passkey sign-in button \(button\[name="__passkeySubmit"\]\) on http:\/\/localhost:\d+\/Identity\/Account\/Login within 10 s \[screenshot .+\.png\]$/m,
    );
    const shot = /\[screenshot (.+\.png)\]/.exec(result.stdout)![1]!;
    expect(shot.startsWith(path.join(os.tmpdir(), 'passkey-migrate'))).toBe(true);
    expect(existsSync(shot)).toBe(true);
  }, 240_000);

  it('Ctrl-C during verify stops the app it started: nothing listens on its port afterwards', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [binPath, 'verify', '--project', app.dir, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const listening = async () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, 'localhost');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    for (let i = 0; i < 240 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 250));
    expect(await listening(), output).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('interrupted (SIGINT): the app and the browser were stopped');
    expect(await listening()).toBe(false);
    const ps = await exec('ps', ['-eo', 'args']);
    expect(ps.stdout.split('\n').filter((l) => l.includes(`localhost:${port}`))).toEqual([]);
  }, 240_000);
});
