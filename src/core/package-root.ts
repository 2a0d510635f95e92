/**
 * Where passkey-migrate itself is installed: its package folder (src/, dist/ and dist/chunks/ all find it), and
 * how a user adds a package next to it (a driver, see db/driver.ts), whether it was installed globally, into a
 * project's node_modules, or is a clone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The nearest folder above this module whose package.json is passkey-migrate's. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'passkey-migrate') return (root = dir);
    } catch {
      // not here
    }
    if (path.dirname(dir) === dir) throw new Error('passkey-migrate: its package.json was not found above its modules');
  }
}

/** The command that installs `pkg` where Node resolves it from passkey-migrate's modules. */
export function installCommand(pkg: string): string {
  const dir = packageRoot();
  const parent = path.dirname(dir);
  if (path.basename(parent) !== 'node_modules') return `npm install ${pkg} (in ${dir})`;
  // <prefix>/lib/node_modules/passkey-migrate (global) or <project>/node_modules/passkey-migrate
  const owner = path.dirname(parent);
  if (path.basename(owner) === 'lib' || process.env.npm_config_global === 'true') return `npm install -g ${pkg}`;
  return `npm install ${pkg} (in ${owner})`;
}
