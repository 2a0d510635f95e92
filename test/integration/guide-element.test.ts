/**
 * An app that started Microsoft's guide by hand already has a <passkey-submit> definition of its own. add edits
 * that file with ts-morph so its definition defers to ours, loads ours before it, and says so; nothing else in
 * the file changes, and a re-run changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { copyFixture } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Our own stand-in for a hand-written element of the guide's shape (two-space indent, a define at the end).
const theirs = `const supported = typeof window.PublicKeyCredential !== 'undefined';

class HandWrittenPasskeySubmit extends HTMLElement {
  static formAssociated = true;
  connectedCallback() {
    this.internals = this.attachInternals();
  }
}

customElements.define('passkey-submit', HandWrittenPasskeySubmit);
console.log('passkeys supported:', supported);
`;

it('guards the existing definition, loads ours first, and says so', async () => {
  const dir = copyFixture('webapp-sqlite');
  dirs.push(dir);
  mkdirSync(path.join(dir, 'wwwroot', 'js'), { recursive: true });
  const file = path.join(dir, 'wwwroot', 'js', 'PasskeySubmit.js');
  writeFileSync(file, theirs);
  const layoutFile = path.join(dir, 'Pages', 'Shared', '_Layout.cshtml');
  const layout = readFileSync(layoutFile, 'utf8').replace(
    '    @await RenderSectionAsync("Scripts"',
    '    <script src="~/js/PasskeySubmit.js" type="module"></script>\n    @await RenderSectionAsync("Scripts"',
  );
  writeFileSync(layoutFile, layout);

  const result = await runCli(['add', '--yes', '--skip-db', '--project', dir]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/wwwroot\/js\/PasskeySubmit\.js also defines <passkey-submit>/);

  const edited = readFileSync(file, 'utf8');
  expect(edited).toContain("if (!customElements.get('passkey-submit')) {\n  customElements.define('passkey-submit', HandWrittenPasskeySubmit);\n}");
  // Every other line is the user's, as it was.
  const untouched = (t: string) => t.split('\n').filter((l) => !/customElements|passkey-migrate|^}$/.test(l));
  expect(untouched(edited)).toEqual(untouched(theirs));
  const check = path.join(dir, 'check.mjs');
  copyFileSync(file, check);
  execFileSync(process.execPath, ['--check', check]);

  const scripts = [...readFileSync(layoutFile, 'utf8').matchAll(/<script src="~\/js\/([\w-]+\.js)"/g)].map((m) => m[1]);
  expect(scripts.indexOf('passkey-submit.js')).toBeGreaterThanOrEqual(0);
  expect(scripts.indexOf('passkey-submit.js')).toBeLessThan(scripts.indexOf('PasskeySubmit.js'));

  rmSync(check);
  const digest = treeDigest(dir);
  const again = await runCli(['add', '--skip-db', '--project', dir]);
  expect(again.code).toBe(0);
  expect(treeDigest(dir)).toBe(digest);
});
