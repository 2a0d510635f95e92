/**
 * What users get is what we test: the package is packed (npm pack), installed from the tarball into an empty
 * folder with --omit=dev, and run from there on the SQLite sample. On Node 24 SQLite is built in, so the plain
 * install runs detect, add --dry-run and add --yes; on Node 20 the first SQLite command is one line naming
 * better-sqlite3 and the command that installs it, and after that command the same runs work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../helpers/dotnet.js';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { installNode24 } from '../helpers/node24.js';
import { repoRoot } from '../helpers/run.js';

let work: string;
let prefix: string;
let bin: string;
let node24: string;
const made: Materialized[] = [];
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pkm-pack-'));
  const tarball = path.join(work, npm(['pack', '--ignore-scripts', '--pack-destination', work], repoRoot).trim().split('\n').at(-1)!);
  prefix = path.join(work, 'user');
  mkdirSync(prefix);
  writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  npm(['install', '--omit=dev', tarball], prefix);
  bin = path.join(prefix, 'node_modules', '.bin', 'passkey-migrate');
  node24 = installNode24(path.join(work, 'rt'));
}, 600_000);

afterAll(async () => {
  for (const m of made) await m.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const cli = (node: string, args: string[], m: Materialized) => exec(node, [bin, ...args, '--project', m.dir], { env: { ...m.env, NO_COLOR: '1' } });

describe('the packed package, installed with --omit=dev', () => {
  it('installs no database driver, no native grammar and none of our dev tools', () => {
    const installed = readdirSync(path.join(prefix, 'node_modules'));
    for (const absent of [
      'better-sqlite3',
      'pg',
      'mysql2',
      'tedious',
      '@azure',
      'tree-sitter-c-sharp',
      'web-tree-sitter',
      'inquirer',
      'rxjs',
      'vitest',
      'esbuild',
      'kysely',
      'commander',
    ]) {
      expect(installed, absent).not.toContain(absent);
    }
    expect(existsSync(path.join(prefix, 'node_modules', 'passkey-migrate', 'dist', 'grammars', 'tree-sitter-c_sharp.wasm'))).toBe(true);
    expect(existsSync(path.join(prefix, 'node_modules', 'passkey-migrate', 'schema', 'passkey-migrate.schema.json'))).toBe(true);
    expect(readdirSync(path.join(prefix, 'node_modules', 'passkey-migrate', 'dist')).some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('on Node 24: detect, add --dry-run and add --yes on the SQLite sample, SQLite built in', async () => {
    const m = await materialize('webapp-sqlite');
    made.push(m);
    const detect = await cli(node24, ['detect', '--json'], m);
    expect(detect.code, detect.stderr).toBe(0);
    expect(JSON.parse(detect.stdout)).toMatchObject({ supported: 'yes', database: { exists: true, schemaVersion: 1 } });
    const dry = await cli(node24, ['add', '--dry-run'], m);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/plan: \d+ files \(\d+ created, \d+ updated\), \d+ packages, 3 SQL steps\n$/);
    const added = await cli(node24, ['add', '--yes'], m);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/done: \d+ files written, \d{14}_AddPasskeySupport applied to the database/);
    expect((await cli(node24, ['add', '--check'], m)).code).toBe(0);
  });

  it('on Node 20: one line naming better-sqlite3 and its install command; after it, the same runs work', async () => {
    const m = await materialize('webapp-sqlite');
    made.push(m);
    const missing = await cli(process.execPath, ['add', '--dry-run'], m);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(
      new RegExp(
        `^error: SQLite on Node 20\\.[\\d.]+ \\(Node 22\\.16 and later have SQLite built in\\) needs the better-sqlite3 package, which is not installed: run npm install better-sqlite3 \\(in ${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`,
      ),
    );
    // detect reads the project without the driver, and says why the database was not read
    const detected = await cli(process.execPath, ['detect', '--json'], m);
    expect(detected.code).toBe(0);
    expect(JSON.parse(detected.stdout).warnings.join('\n')).toMatch(/database not read: .*needs the better-sqlite3 package/);
    // detect without the database needs no driver
    expect((await cli(process.execPath, ['detect', '--skip-db'], m)).code).toBe(0);
    npm(['install', 'better-sqlite3'], prefix);
    const detect = await cli(process.execPath, ['detect', '--json'], m);
    expect(detect.code, detect.stderr).toBe(0);
    expect((await cli(process.execPath, ['add', '--dry-run'], m)).code).toBe(0);
    const added = await cli(process.execPath, ['add', '--yes'], m);
    expect(added.code, added.stderr).toBe(0);
    expect((await cli(process.execPath, ['add', '--check'], m)).code).toBe(0);
  }, 600_000);
});
