#!/usr/bin/env node
// Benchmarks (not tests): median wall time of repeated cold runs (a new Node process each time).
//   passkey-migrate --help                   target < 150 ms
//   passkey-migrate detect on the SQLite fixture   target < 300 ms
// Usage: npm run bench [-- --runs 15]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const bin = path.join(root, 'bin', 'passkey-migrate.js');

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-'));
cpSync(path.join(root, 'fixtures', 'webapp-sqlite'), scratch, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) });
const db = new Database(path.join(scratch, 'app.db'));
db.exec(readFileSync(path.join(root, 'fixtures', 'webapp-sqlite', 'db', 'sqlite.sql'), 'utf8').replace(/^\uFEFF/, ''));
db.close();

function measure(label, args, target) {
  const times = [];
  spawnSync(process.execPath, [bin, ...args]); // warm the file cache once; every measured run is a new process
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const verdict = median < target ? 'ok' : 'OVER TARGET';
  console.log(`${label.padEnd(36)} median ${median.toFixed(0).padStart(5)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${runs} runs)  target < ${target} ms  ${verdict}`);
}

console.log(`node ${process.version}, ${os.cpus().length} cores\n`);
measure('passkey-migrate --help', ['--help'], 150);
measure('passkey-migrate detect (SQLite)', ['detect', '--project', scratch], 300);
measure('passkey-migrate detect --json', ['detect', '--json', '--project', scratch], 300);
rmSync(scratch, { recursive: true, force: true });
