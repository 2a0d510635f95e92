/**
 * The brief's runtime promise: the tool runs on Node >= 20.19 (the suite's own Node) and on current Node 24, the one
 * the npm registry's `node` package gives. On Node 24 SQLite is Node's own (node:sqlite): the copy of the package
 * below has no better-sqlite3 at all, so these runs prove that path (PostgreSQL goes through pg as on Node 20).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { exec } from '../helpers/dotnet.js';
import { installNode24 } from '../helpers/node24.js';
import { repoRoot } from '../helpers/run.js';

let work: string;
let node24: string;
let app: string;
let sqlite: Materialized;
let pg: Materialized;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pkm-node24-'));
  node24 = installNode24(path.join(work, 'rt'));
  app = path.join(work, 'app');
  mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  for (const entry of ['bin', 'dist', 'templates', 'package.json']) cpSync(path.join(repoRoot, entry), path.join(app, entry), { recursive: true });
  for (const entry of readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (entry !== 'better-sqlite3') symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(app, 'node_modules', entry));
  }
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
      expect(result.stderr).not.toMatch(/ExperimentalWarning|experimental feature/);
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
