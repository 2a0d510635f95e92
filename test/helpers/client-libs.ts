/**
 * The client libraries the SDK templates ship in wwwroot/lib (Bootstrap, jQuery, jQuery Validation), copied from
 * npm into a scratch app so the browser tests run with the styles and the client-side validation real apps have.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './run.js';

export function installClientLibs(appDir: string, bootstrap: 4 | 5): void {
  const nm = path.join(repoRoot, 'node_modules');
  const lib = path.join(appDir, 'wwwroot', 'lib');
  const copy = (from: string, to: string) => {
    if (existsSync(from)) cpSync(from, path.join(lib, to), { recursive: true });
  };
  copy(path.join(nm, bootstrap === 4 ? 'bootstrap4' : 'bootstrap', 'dist'), 'bootstrap/dist');
  copy(path.join(nm, 'jquery', 'dist'), 'jquery/dist');
  copy(path.join(nm, 'jquery-validation', 'dist'), 'jquery-validation/dist');
  copy(path.join(nm, 'jquery-validation-unobtrusive', 'dist'), 'jquery-validation-unobtrusive');
}
