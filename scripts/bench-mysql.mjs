#!/usr/bin/env node
// Benchmark (not a test): MySQL/MariaDB through `--switch-mysql-provider` on the multi-project fixture
// (fixtures/multi-mysql) and the MariaDB of scripts/services.sh, next to what EF's tools do there:
//   passkey-migrate add --yes --switch-mysql-provider on a fresh copy and database (the whole job, with EF's own
//     migration written and checked in a scratch copy)
//   passkey-migrate db update with 10 and 100,000 users, vs the path EF leaves on MariaDB with Oracle's provider:
//     dotnet ef migrations script (the new migration) applied with the mariadb client; and `dotnet ef database
//     update`, tried once, which fails there (GET_LOCK(name, -1), docs/mysql.md): its error is printed
// Each measured run gets a freshly seeded database. Usage: npm run bench:mysql [-- --users 10,100000 --runs 3]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { median, time, withServices } from './bench-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const userCounts = arg('--users', '10,100000').split(',').map(Number);
const runs = Number(arg('--runs', '3'));
const bin = path.join(root, 'bin', 'passkey-migrate.js');
const env = withServices(root, { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' });
const conf = Object.fromEntries(env.PKM_MYSQL.split(';').map((p) => p.split('=').map((s, i) => (i === 0 ? s.toLowerCase() : s))));
const server = { host: conf.server, port: Number(conf.port), user: conf.user, password: conf.password };
const script = readFileSync(path.join(root, 'fixtures', 'multi-mysql', 'db', 'mysql.sql'), 'utf8').replace(/^\uFEFF/, '');
const scratch = [];

/** A database made by EF's script for the fixture, with `users` users; returns its connection string. */
async function seeded(name, users) {
  const c = await mysql.createConnection({ ...server, multipleStatements: true });
  await c.query(`drop database if exists ${name}`);
  await c.query(`create database ${name}`);
  await c.query(`use ${name}`);
  await c.query(script);
  if (users > 0) {
    await c.query(
      `insert into Users (UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, PhoneNumber, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount)
       select concat('user', seq, '@example.test'), concat('USER', seq, '@EXAMPLE.TEST'), concat('user', seq, '@example.test'), concat('USER', seq, '@EXAMPLE.TEST'), 1, concat('+1 555 ', seq), 0, 0, 1, 0
       from seq_1_to_${users}`,
    );
  }
  await c.end();
  return `${env.PKM_MYSQL};Database=${name}`;
}

async function drop(name) {
  const c = await mysql.createConnection(server);
  await c.query(`drop database if exists ${name}`);
  await c.end();
}

function run(command, args, options) {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout;
}

function fixtureCopy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-mysql-'));
  scratch.push(dir);
  cpSync(path.join(root, 'fixtures', 'multi-mysql'), dir, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) });
  return dir;
}

try {
  // ---- the whole add ----
  const addMs = [];
  let app;
  for (let i = 0; i < runs; i++) {
    app = fixtureCopy();
    const connection = await seeded('bench_mysql_add', 10);
    addMs.push(time(() => run(process.execPath, [bin, 'add', '--yes', '--switch-mysql-provider', '--project', app], { env: { ...env, ConnectionStrings__ShopDb: connection } })));
  }
  await drop('bench_mysql_add');

  // ---- the database step on the switched app ----
  const web = path.join(app, 'src', 'Shop.Web');
  const efArgs = ['--project', path.join(app, 'src', 'Shop.Data'), '--startup-project', web];
  run('dotnet', ['build', web, '-v', 'q', '-nologo'], { env });
  const migrations = readdirSync(path.join(app, 'src', 'Shop.Data', 'Migrations'))
    .filter((f) => /^\d+_\w+\.cs$/.test(f) && !f.endsWith('.Designer.cs'))
    .map((f) => f.replace(/\.cs$/, ''))
    .sort();
  const [previous, added] = migrations.slice(-2);
  const ef = (args, connection) => run('dotnet', ['tool', 'run', 'dotnet-ef', '--', ...args, ...efArgs], { cwd: root, env: { ...env, ConnectionStrings__ShopDb: connection } });
  const mariadbClient = (connection, sql) =>
    run('mariadb', ['--protocol=tcp', '-h', server.host, '-P', String(server.port), '-u', server.user, `-p${server.password}`, connection.replace(/^.*Database=/, '')], {
      input: sql,
    });

  const rows = [];
  for (const users of userCounts) {
    const oursMs = [];
    const efMs = [];
    for (let i = 0; i < runs; i++) {
      let connection = await seeded('bench_mysql_ours', users);
      oursMs.push(time(() => run(process.execPath, [bin, 'db', 'update', '--project', app, '--connection', connection], { env })));
      rmSync(path.join(app, '.passkey-migrate'), { recursive: true, force: true });
      connection = await seeded('bench_mysql_ef', users);
      efMs.push(time(() => mariadbClient(connection, ef(['migrations', 'script', previous, added, '--no-build'], connection))));
    }
    rows.push({ users, ours: median(oursMs), ef: median(efMs) });
  }
  const failing = await seeded('bench_mysql_ef', 10);
  const update = spawnSync('dotnet', ['tool', 'run', 'dotnet-ef', '--', 'database', 'update', '--no-build', ...efArgs], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, ConnectionStrings__ShopDb: failing },
  });
  const updateError = (update.stdout + update.stderr).split('\n').find((l) => /Unable to cast|Exception|error/i.test(l)) ?? '';
  await drop('bench_mysql_ours');
  await drop('bench_mysql_ef');

  const [version] = await (async () => {
    const c = await mysql.createConnection(server);
    const [r] = await c.query('select version() as v');
    await c.end();
    return [r[0].v];
  })();
  console.log(`node ${process.version}, ${os.cpus().length} cores, MariaDB ${version}, median of ${runs} runs, each on a fresh database\n`);
  console.log(`passkey-migrate add --yes --switch-mysql-provider (whole job)   median ${median(addMs).toFixed(0).padStart(6)} ms`);
  console.log('\nusers      passkey-migrate db update   dotnet ef migrations script + mariadb   ratio (ef / ours)');
  for (const r of rows) {
    console.log(`${String(r.users).padEnd(10)} ${`${r.ours.toFixed(0)} ms`.padStart(25)}   ${`${r.ef.toFixed(0)} ms`.padStart(37)}   ${(r.ef / r.ours).toFixed(1).padStart(17)}`);
  }
  console.log(`\ndotnet ef database update --no-build: exit ${update.status}${updateError ? ` (${updateError.trim().slice(0, 160)})` : ''}`);
} finally {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
}
