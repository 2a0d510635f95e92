#!/usr/bin/env node
// Benchmark (not a test) for `add` on the bundled SQLite fixture, next to the .NET tool users would run in CI:
//   node -e 0, the floor
//   passkey-migrate add --check (pending, exit 2; and migrated, exit 0)   target median < 500 ms (warm: the check cache)
//   the same with the check cache off (PASSKEY_MIGRATE_NO_CHECK_CACHE=1): the full check on warm SDK/NuGet caches
//   the same cold: an empty cache, so the SDK evaluates the project (dotnet msbuild) and NuGet judges the retarget
//   dotnet ef migrations has-pending-model-changes on the same app (as users run it, and with --no-build)
//   passkey-migrate add --yes on a fresh copy (no build)                    target median < 3 s
// Usage: npm run bench:add [-- --runs 9]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 9;
const bin = path.join(root, 'bin', 'passkey-migrate.js');
const scratch = [];

function fixtureCopy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-add-'));
  scratch.push(dir);
  cpSync(path.join(root, 'fixtures', 'webapp-sqlite'), dir, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) && !/\.db$/.test(s) });
  const db = new Database(path.join(dir, 'app.db'));
  db.exec(readFileSync(path.join(root, 'fixtures', 'webapp-sqlite', 'db', 'sqlite.sql'), 'utf8').replace(/^\uFEFF/, ''));
  db.close();
  return dir;
}

function time(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (options.expect !== undefined && result.status !== options.expect) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout}`);
  return ms;
}

function report(label, times, target) {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const verdict = target ? (median < target ? `target < ${target} ms  ok` : `target < ${target} ms  OVER TARGET`) : '';
  console.log(`${label.padEnd(58)} median ${median.toFixed(0).padStart(6)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${times.length} runs)  ${verdict}`);
  return median;
}

console.log(`node ${process.version}, ${os.cpus().length} cores\n`);

// The floor: starting Node itself.
const floor = report(
  'node -e 0 (the floor)',
  Array.from({ length: runs }, () => time(process.execPath, ['-e', '0'], { expect: 0 })),
);

const pending = fixtureCopy();
time(process.execPath, [bin, 'add', '--check', '--project', pending], { expect: 2 });
const checkPending = report(
  'passkey-migrate add --check (pending, exit 2)',
  Array.from({ length: runs }, () => time(process.execPath, [bin, 'add', '--check', '--project', pending], { expect: 2 })),
  500,
);

// Cold: every run with an empty cache folder (the first run on a machine, or after the project files changed).
const coldRuns = Math.max(3, Math.ceil(runs / 3));
const cold = (label, dir, expect) =>
  report(
    label,
    Array.from({ length: coldRuns }, () => {
      const cache = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-cache-'));
      scratch.push(cache);
      return time(process.execPath, [bin, 'add', '--check', '--project', dir], { expect, env: { ...process.env, PASSKEY_MIGRATE_CACHE: cache } });
    }),
  );
cold('passkey-migrate add --check (pending, cold cache)', pending, 2);

const migrated = fixtureCopy();
time(process.execPath, [bin, 'add', '--yes', '--project', migrated], { expect: 0 });
time(process.execPath, [bin, 'add', '--check', '--project', migrated], { expect: 0 }); // the first check keeps its answer
const checkDone = report(
  'passkey-migrate add --check (migrated, exit 0)',
  Array.from({ length: runs }, () => time(process.execPath, [bin, 'add', '--check', '--project', migrated], { expect: 0 })),
  500,
);
cold('passkey-migrate add --check (migrated, cold cache)', migrated, 0);
const checkFull = report(
  'passkey-migrate add --check (migrated, check cache off)',
  Array.from({ length: runs }, () =>
    time(process.execPath, [bin, 'add', '--check', '--project', migrated], { expect: 0, env: { ...process.env, PASSKEY_MIGRATE_NO_CHECK_CACHE: '1' } }),
  ),
);

// The .NET side: EF's own CI check on the same (migrated) app. The first run restores and builds.
const ef = ['tool', 'run', 'dotnet-ef', '--', 'migrations', 'has-pending-model-changes', '--project', migrated];
const env = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
time('dotnet', ['build', migrated, '-nologo', '-v', 'q'], { cwd: root, env, expect: 0 });
const efRuns = Math.max(3, Math.ceil(runs / 3));
const efBuild = report(
  'dotnet ef migrations has-pending-model-changes',
  Array.from({ length: efRuns }, () => time('dotnet', ef, { cwd: root, env, expect: 0 })),
);
const efNoBuild = report(
  'dotnet ef migrations has-pending-model-changes --no-build',
  Array.from({ length: efRuns }, () => time('dotnet', [...ef, '--no-build'], { cwd: root, env, expect: 0 })),
);

const apply = report(
  'passkey-migrate add --yes (fresh copy, no build)',
  Array.from({ length: Math.max(3, Math.ceil(runs / 2)) }, () => time(process.execPath, [bin, 'add', '--yes', '--project', fixtureCopy()], { expect: 0 })),
  3000,
);
const applyOffline = report(
  'passkey-migrate add --yes --offline (no NuGet lookups)',
  Array.from({ length: Math.max(3, Math.ceil(runs / 2)) }, () => time(process.execPath, [bin, 'add', '--yes', '--offline', '--project', fixtureCopy()], { expect: 0 })),
  3000,
);

console.log(
  `\nadd --check (warm) is ${(efBuild / checkDone).toFixed(1)}x faster than has-pending-model-changes (goal >= 20x), ${(efNoBuild / checkDone).toFixed(1)}x faster than its --no-build (goal >= 10x), ${(checkDone / floor).toFixed(1)}x node -e 0 (goal <= 3x)`,
);
console.log(`without the check cache (the full check, warm SDK and NuGet caches): ${(efBuild / checkFull).toFixed(1)}x / ${(efNoBuild / checkFull).toFixed(1)}x`);
void checkPending;
void apply;
void applyOffline;
for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
