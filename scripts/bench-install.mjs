#!/usr/bin/env node
// Install weight and time of what users get (not a test): `npm pack`, then `npm install --omit=dev <tarball>`
// into an empty folder with a cold npm cache (a new --cache folder: everything comes from the registry), on the
// running Node; then the Node 20 extra (better-sqlite3, compiled where no prebuilt can be fetched). Next to it, the
// tool a user would otherwise install: dotnet-ef (`dotnet tool install`, with an empty NuGet package folder).
// Usage: node scripts/bench-install.mjs   (npm run bench:install; part of npm run bench)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-install-'));

function du(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += du(p);
    else if (entry.isFile()) bytes += statSync(p).size;
  }
  return bytes;
}
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
function timed(command, args, options) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { ...options, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return ms;
}
const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error'];

try {
  const tarball = path.join(
    work,
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, ...npmFlags], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1),
  );
  const user = path.join(work, 'user');
  mkdirSync(user);
  writeFileSync(path.join(user, 'package.json'), '{ "private": true }\n');
  const cache = path.join(work, 'npm-cache');
  const installMs = timed('npm', ['install', '--omit=dev', '--cache', cache, tarball, ...npmFlags], { cwd: user });
  const modules = path.join(user, 'node_modules');
  const count = readdirSync(modules).flatMap((e) => (e.startsWith('@') ? readdirSync(path.join(modules, e)) : e.startsWith('.') ? [] : [e])).length;
  const size = du(modules);
  const sqliteMs = timed('npm', ['install', '--cache', cache, 'better-sqlite3', ...npmFlags], { cwd: user });
  const withSqlite = du(modules);

  const tools = path.join(work, 'dotnet-tools');
  const nuget = path.join(work, 'nuget-packages');
  let ef = 'not measured (dotnet tool install failed)';
  try {
    const efMs = timed('dotnet', ['tool', 'install', 'dotnet-ef', '--version', '10.0.15', '--tool-path', tools], {
      cwd: work,
      env: { ...process.env, NUGET_PACKAGES: nuget, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
    ef = `${(efMs / 1000).toFixed(1)} s, ${mb(du(tools))}${existsSync(nuget) ? ` + ${mb(du(nuget))} of NuGet packages` : ''}`;
  } catch (error) {
    ef = `not measured: ${String(error.message).split('\n').slice(0, 3).join(' ')}`;
  }

  console.log(`tarball                                   ${mb(statSync(tarball).size)}`);
  console.log(`npm install --omit=dev (cold npm cache)   ${(installMs / 1000).toFixed(1)} s, ${mb(size)} in node_modules, ${count} packages`);
  console.log(`  + better-sqlite3 (Node 20 only)         ${(sqliteMs / 1000).toFixed(1)} s more, ${mb(withSqlite)} in node_modules`);
  console.log(`dotnet tool install dotnet-ef 10.0.15     ${ef}`);
  console.log(`node ${process.version}; SQLite built in from Node 22.16 (node:sqlite), so the first line is the whole install there`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
