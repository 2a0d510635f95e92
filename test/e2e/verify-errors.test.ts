/** verify fails with one clear line: no browser at the given path; an app that does not build. */
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { copyFixture } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

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
