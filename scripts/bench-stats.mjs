#!/usr/bin/env node
// Benchmark (not a test): `passkey-migrate stats` on SQLite and PostgreSQL with 1,000,000 users of whom 300,000
// have a passkey (Identity's JSON Data with an attestation object, as registrations store it). No dotnet ef
// command reports adoption, so next to it: the floor, the three counts alone (users, passkeys, owners) in one
// query through the same driver. Usage: node scripts/bench-stats.mjs [--users 1000000 --passkeys 300000 --runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { encode } from 'cbor2';
import pg from 'pg';
import { median, withServices } from './bench-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const users = Number(arg('--users', '1000000'));
const passkeys = Number(arg('--passkeys', '300000'));
const runs = Number(arg('--runs', '3'));
const bin = path.join(root, 'bin', 'passkey-migrate.js');
const env = withServices(root, { ...process.env, NO_COLOR: '1' });
const authData = Buffer.concat([
  Buffer.alloc(32, 7),
  Buffer.from([0x45]),
  Buffer.alloc(4),
  Buffer.from('ea9b8d664d011d213ce4b6b48cb575d4', 'hex'),
  Buffer.from([0, 2, 9, 9, 0xa0]),
]);
const attestation = Buffer.from(
  encode(
    new Map([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', new Uint8Array(authData)],
    ]),
  ),
).toString('base64');
const dataJson = JSON.stringify({
  PublicKey: 'AQID',
  Name: 'key',
  CreatedAt: '2026-11-30T09:00:00+00:00',
  SignCount: 0,
  Transports: ['internal'],
  IsUserVerified: true,
  IsBackupEligible: true,
  IsBackedUp: true,
  AttestationObject: attestation,
  ClientDataJson: 'e30=',
});

function timeCli(args, options) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, ...args], { ...options, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  }
  return median(times);
}
function app(fixture) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `pkm-bench-stats-${fixture}-`));
  cpSync(path.join(root, 'fixtures', fixture), dir, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) });
  return dir;
}
const lines = [];

// SQLite
{
  const dir = app('webapp-sqlite');
  const file = path.join(dir, 'app.db');
  const db = new Database(file);
  db.exec(readFileSync(path.join(dir, 'db', 'sqlite.sql'), 'utf8').replace(/^\uFEFF/, ''));
  db.close();
  execFileSync(process.execPath, [bin, 'db', 'update', '--project', dir], { env, stdio: 'pipe' });
  const d = new Database(file);
  d.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${users})
    INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnd", "LockoutEnabled", "AccessFailedCount")
    SELECT printf('%08d-0000-0000-0000-000000000000', i), 'u' || i, 'U' || i, 'u' || i || '@example.com', 'U' || i || '@EXAMPLE.COM', 1, 'x', 's', 'c', NULL, 0, 0, NULL, 1, 0 FROM n`);
  d.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${passkeys})
    INSERT INTO "AspNetUserPasskeys" ("CredentialId", "UserId", "Data") SELECT randomblob(32), printf('%08d-0000-0000-0000-000000000000', i), ? FROM n`,
  ).run(dataJson);
  d.close();
  const ours = timeCli(['stats', '--json', '--project', dir], { env });
  const floorTimes = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const f = new Database(file, { readonly: true });
    f.prepare('select (select count(*) from "AspNetUsers"), (select count(*) from "AspNetUserPasskeys"), (select count(distinct "UserId") from "AspNetUserPasskeys")').get();
    f.close();
    floorTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  lines.push(`SQLite      ${users} users, ${passkeys} passkeys: stats ${(ours / 1000).toFixed(2)} s; the three counts alone ${(median(floorTimes) / 1000).toFixed(2)} s`);
  rmSync(dir, { recursive: true, force: true });
}

// PostgreSQL
{
  const conf = Object.fromEntries(env.PKM_PG.split(';').map((p) => p.split('=')));
  const admin = new pg.Client({ host: conf.Host, port: Number(conf.Port), user: conf.Username, password: conf.Password, database: 'postgres' });
  await admin.connect();
  const name = `pkm_bench_stats_${process.pid}`;
  await admin.query(`create database ${name}`);
  const dir = app('guid-postgres');
  const connection = `${env.PKM_PG};Database=${name}`;
  const client = new pg.Client({ host: conf.Host, port: Number(conf.Port), user: conf.Username, password: conf.Password, database: name });
  await client.connect();
  try {
    await client.query(readFileSync(path.join(dir, 'db', 'postgres.sql'), 'utf8').replace(/^\uFEFF/, ''));
    execFileSync(process.execPath, [bin, 'db', 'update', '--project', dir, '--connection', connection], { env, stdio: 'pipe' });
    await client.query(`insert into auth."AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
      select md5(i::text)::uuid, 'u' || i, 'U' || i, 'u' || i || '@example.com', 'U' || i || '@EXAMPLE.COM', true, false, false, true, 0 from generate_series(1, ${users}) i`);
    await client.query(
      `insert into auth."AspNetUserPasskeys" ("CredentialId", "UserId", "Data") select decode(md5('c' || i::text), 'hex'), md5(i::text)::uuid, $1::jsonb from generate_series(1, ${passkeys}) i`,
      [dataJson],
    );
    await client.query('analyze');
    const ours = timeCli(['stats', '--json', '--project', dir, '--connection', connection], { env });
    const floorTimes = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      await client.query(
        'select (select count(*) from auth."AspNetUsers"), (select count(*) from auth."AspNetUserPasskeys"), (select count(distinct "UserId") from auth."AspNetUserPasskeys")',
      );
      floorTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    lines.push(`PostgreSQL  ${users} users, ${passkeys} passkeys: stats ${(ours / 1000).toFixed(2)} s; the three counts alone ${(median(floorTimes) / 1000).toFixed(2)} s`);
  } finally {
    await client.end();
    await admin.query(`drop database ${name}`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const l of lines) console.log(l);
console.log(`median of ${runs} runs, each a new process (stats reads every passkey's Data in pages of 5000 and decodes its attestation object)`);
