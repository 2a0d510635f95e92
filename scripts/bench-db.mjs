#!/usr/bin/env node
// Benchmark (not a test): `passkey-migrate db update` on SQLite and PostgreSQL databases with 10 and with 1,000,000
// users, side by side with `dotnet ef database update` applying EF's own AddPasskeySupport to the same database.
// Each measured run gets a fresh copy of the seeded database. Usage: npm run bench:db [-- --users 10,1000000 --runs 3]
// Needs the services of scripts/services.sh (started here) and the .NET SDK with dotnet-ef (scripts/setup.sh).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { median, time, withServices } from './bench-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const userCounts = arg('--users', '10,1000000').split(',').map(Number);
const runs = Number(arg('--runs', '3'));
const bin = path.join(root, 'bin', 'passkey-migrate.js');
const env = withServices(root, { ...process.env, DOTNET_ROLL_FORWARD: 'Major', DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' });
const pgConf = Object.fromEntries(env.PKM_PG.split(';').map((p) => p.split('=')));

// The fixture moved to .NET 10 / Version3 with EF's own migration in it (the same edits the tests use).
const edits = JSON.parse(readFileSync(path.join(root, 'test', 'helpers', 'oracle-edits.json'), 'utf8'));
function oracleApp(fixture) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `pkm-bench-${fixture}-`));
  cpSync(path.join(root, 'fixtures', fixture), dir, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) });
  for (const [name, from, to] of edits[fixture].edits) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').split(from).join(to));
  }
  const ef = (...args) => execFileSync('dotnet', ['tool', 'run', 'dotnet-ef', '--', ...args, '--project', dir], { cwd: root, env, stdio: 'pipe' });
  execFileSync('dotnet', ['build', dir, '-v', 'q', '-nologo'], { env, stdio: 'pipe' });
  ef('migrations', 'add', 'AddPasskeySupport', '-o', 'Data/Migrations');
  execFileSync('dotnet', ['build', dir, '-v', 'q', '-nologo'], { env, stdio: 'pipe' });
  return { dir, ef };
}

function ours(args) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

const results = [];

// ---- SQLite (webapp-sqlite) ----
{
  const app = oracleApp('webapp-sqlite');
  const script = readFileSync(path.join(root, 'fixtures', 'webapp-sqlite', 'db', 'sqlite.sql'), 'utf8').replace(/^\uFEFF/, '');
  for (const users of userCounts) {
    const seeded = path.join(app.dir, `seed-${users}.db`);
    const db = new Database(seeded);
    db.exec(script);
    const insert = db.prepare(
      `INSERT INTO AspNetUsers (Id, UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, PhoneNumber, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount) VALUES (?, ?, ?, ?, ?, 1, ?, 0, 0, 1, 0)`,
    );
    db.transaction(() => {
      for (let i = 0; i < users; i++) insert.run(`u-${i}`, `user${i}@example.test`, `USER${i}@EXAMPLE.TEST`, `user${i}@example.test`, `USER${i}@EXAMPLE.TEST`, `+1 555 ${i}`);
    })();
    db.close();
    const target = path.join(app.dir, 'app.db');
    const oursMs = [];
    const efMs = [];
    for (let i = 0; i < runs; i++) {
      copyFileSync(seeded, target);
      oursMs.push(time(() => ours(['db', 'update', '--project', app.dir])));
      rmSync(path.join(app.dir, '.passkey-migrate'), { recursive: true, force: true });
      copyFileSync(seeded, target);
      efMs.push(time(() => app.ef('database', 'update', '--no-build')));
    }
    results.push({ engine: 'SQLite', users, ours: median(oursMs), ef: median(efMs) });
  }
  rmSync(app.dir, { recursive: true, force: true });
}

// ---- PostgreSQL (guid-postgres: PhoneNumber is reshaped too) ----
{
  const app = oracleApp('guid-postgres');
  const script = readFileSync(path.join(root, 'fixtures', 'guid-postgres', 'db', 'postgres.sql'), 'utf8').replace(/^\uFEFF/, '');
  const admin = async (sqlText, database = 'postgres') => {
    const c = new pg.Client({ host: pgConf.Host, port: Number(pgConf.Port), user: pgConf.Username, password: pgConf.Password, database });
    await c.connect();
    await c.query(sqlText);
    await c.end();
  };
  for (const users of userCounts) {
    const seed = `bench_seed_${users}`;
    await admin(`drop database if exists ${seed} with (force)`);
    await admin(`create database ${seed}`);
    await admin(script, seed);
    await admin(
      `insert into auth."AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
                 select gen_random_uuid(), 'user' || i || '@example.test', 'USER' || i || '@EXAMPLE.TEST', 'user' || i || '@example.test', 'USER' || i || '@EXAMPLE.TEST', true, '+1 555 ' || i, false, false, true, 0
                 from generate_series(1, ${users}) as i`,
      seed,
    );
    await admin('vacuum analyze', seed);
    const oursMs = [];
    const efMs = [];
    for (let i = 0; i < runs; i++) {
      for (const who of ['ours', 'ef']) {
        const copy = `bench_run_${who}`;
        await admin(`drop database if exists ${copy} with (force)`);
        await admin(`create database ${copy} template ${seed}`);
        const connection = `${env.PKM_PG};Database=${copy}`;
        if (who === 'ours') oursMs.push(time(() => ours(['db', 'update', '--project', app.dir, '--connection', connection])));
        else
          efMs.push(
            time(() =>
              execFileSync('dotnet', ['tool', 'run', 'dotnet-ef', '--', 'database', 'update', '--no-build', '--project', app.dir], {
                cwd: root,
                env: { ...env, ConnectionStrings__Crm: connection },
                stdio: 'pipe',
              }),
            ),
          );
        rmSync(path.join(app.dir, '.passkey-migrate'), { recursive: true, force: true });
        await admin(`drop database ${copy} with (force)`);
      }
    }
    await admin(`drop database ${seed} with (force)`);
    results.push({ engine: 'PostgreSQL', users, ours: median(oursMs), ef: median(efMs) });
  }
  rmSync(app.dir, { recursive: true, force: true });
}

console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${runs} runs, each on a fresh copy\n`);
console.log('engine       users      passkey-migrate db update   dotnet ef database update   ratio (ef / ours)');
for (const r of results) {
  console.log(
    `${r.engine.padEnd(12)} ${String(r.users).padStart(9)}   ${r.ours.toFixed(0).padStart(10)} ms               ${r.ef.toFixed(0).padStart(10)} ms               ${(r.ef / r.ours).toFixed(1)}x`,
  );
}
