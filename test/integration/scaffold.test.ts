/** `scaffold --pages`: only the UI, with the same plan, check codes, conflict rules and no-op re-run as add. */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { copyFixture } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';
import { rmSync } from 'node:fs';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('writes the passkey UI only, then has nothing to do', async () => {
  const dir = copyFixture('scaffolded-pages');
  dirs.push(dir);
  const csproj = readFileSync(path.join(dir, 'Bookings.csproj'), 'utf8');
  const check = await runCli(['scaffold', '--pages', '--check', '--project', dir]);
  expect(check.code).toBe(2);
  expect(check.stdout).toMatch(/update\s+Areas\/Identity\/Pages\/Account\/Login\.cshtml/);
  expect(check.stdout).not.toMatch(/Bookings\.csproj|AddPasskeySupport/);
  const json = JSON.parse((await runCli(['scaffold', '--pages', '--dry-run', '--json', '--project', dir])).stdout);
  expect(json).toMatchObject({ command: 'scaffold', status: 'pending', ui: 'razor' });
  const applied = await runCli(['scaffold', '--pages', '--yes', '--project', dir]);
  expect(applied.code, applied.stderr).toBe(0);
  expect(readFileSync(path.join(dir, 'Bookings.csproj'), 'utf8')).toBe(csproj);
  expect(readFileSync(path.join(dir, 'Areas/Identity/Pages/Account/Login.cshtml.cs'), 'utf8')).toMatch(/OnPostPasskeyAsync/);
  // The team's own hint on the login page is kept.
  expect(readFileSync(path.join(dir, 'Areas/Identity/Pages/Account/Login.cshtml'), 'utf8')).toMatch(/Booked as a guest\?/);
  const digest = treeDigest(dir);
  const again = await runCli(['scaffold', '--pages', '--project', dir]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/nothing to do/);
  expect(treeDigest(dir)).toBe(digest);
  expect((await runCli(['scaffold', '--pages', '--check', '--project', dir])).code).toBe(0);
});

it('plans the pages without --pages too (its only mode), and refuses an unknown --ui', async () => {
  const dir = copyFixture('webapp-sqlite');
  dirs.push(dir);
  const none = await runCli(['scaffold', '--dry-run', '--project', dir]);
  const pages = await runCli(['scaffold', '--pages', '--dry-run', '--project', dir]);
  expect(none.code, none.stderr).toBe(pages.code);
  expect(none.stdout).toBe(pages.stdout);
  expect(none.stderr).not.toContain('nothing to scaffold');
  const bad = await runCli(['scaffold', '--pages', '--ui', 'blazor', '--project', dir]);
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim()).toBe("error: option '--ui <kind>' argument 'blazor' is invalid. Allowed choices are razor, mvc.");
});

it('--no-prompt generates the enrollment prompt turned off (configuration can turn it on); without it, on', async () => {
  const on = copyFixture('mvc-startup');
  const off = copyFixture('mvc-startup');
  dirs.push(on, off);
  expect((await runCli(['scaffold', '--yes', '--project', on])).code).toBe(0);
  const applied = await runCli(['scaffold', '--yes', '--no-prompt', '--project', off]);
  expect(applied.code, applied.stderr).toBe(0);
  const prompt = (dir: string) => readFileSync(path.join(dir, 'Passkeys/PasskeyPrompt.cs'), 'utf8');
  expect(prompt(on)).toMatch(/public const bool OnByDefault = true;/);
  expect(prompt(off)).toMatch(/public const bool OnByDefault = false;/);
  expect(prompt(off)).toMatch(/public const string PagePath = "\/Manage\/PasskeyPrompt";/);
  expect(prompt(off)).toContain('services.GetService<IConfiguration>()?["Passkeys:Prompt"]');
  // The page and its actions exist either way (the setting decides at run time).
  expect(readFileSync(path.join(off, 'Views/Manage/PasskeyPrompt.cshtml'), 'utf8')).toContain('<passkey-prompt');
  expect(readFileSync(path.join(off, 'Controllers/ManageController.cs'), 'utf8')).toMatch(/PasskeyPromptNever/);
  // Re-running with the other choice is a conflict on that one file, not a silent change.
  const flipped = await runCli(['scaffold', '--dry-run', '--project', off]);
  expect(flipped.stdout + flipped.stderr).toMatch(/Passkeys\/PasskeyPrompt\.cs/);
});
