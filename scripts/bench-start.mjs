#!/usr/bin/env node
// Benchmark (not a test; part of npm run bench): median wall time of repeated cold runs (a new Node process each time).
//   passkey-migrate --help                   target < 150 ms
//   passkey-migrate detect on the SQLite fixture   target < 300 ms
// Usage: npm run bench [-- --runs 15]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  console.log(
    `${label.padEnd(36)} median ${median.toFixed(0).padStart(5)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${runs} runs)  target < ${target} ms  ${verdict}`,
  );
}

console.log(`node ${process.version}, ${os.cpus().length} cores\n`);
{
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${'node -e 0 (the floor)'.padEnd(36)} median ${times[Math.floor(times.length / 2)].toFixed(0).padStart(5)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${runs} runs)`,
  );
}
measure('passkey-migrate --help', ['--help'], 150);
measure('passkey-migrate detect (SQLite)', ['detect', '--project', scratch], 300);
measure('passkey-migrate detect --json', ['detect', '--json', '--project', scratch], 300);

// A Program.cs of 10 MB (the registration, then 10 MB of ordinary statements): read in time and memory
// proportional to its size.
const big = mkdtempSync(path.join(os.tmpdir(), 'pkm-bench-big-'));
cpSync(path.join(root, 'fixtures', 'webapp-sqlite'), big, { recursive: true, filter: (s) => !/[\\/](bin|obj)$/.test(s) && !/\.db$/.test(s) });
const program = readFileSync(path.join(big, 'Program.cs'), 'utf8');
const filler = [];
for (let size = 0, i = 0; size < 10 * 1024 * 1024; i++) {
  const line = `app.MapGet("/generated/${i}", () => Results.Ok(new { Index = ${i}, Name = "route number ${i}" }));\n`;
  filler.push(line);
  size += line.length;
}
writeFileSync(path.join(big, 'Program.cs'), program.replace('app.Run();', `${filler.join('')}app.Run();`));
{
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, 'detect', '--skip-db', '--project', big], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`detect on the 10 MB Program.cs failed: ${result.stderr}`);
  const kb = Number(result.stderr.trim().split('\n').pop());
  console.log(`${'passkey-migrate detect --skip-db (10 MB Program.cs)'.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms, ${(kb / 1024).toFixed(0)} MB peak memory (one run)`);
}
rmSync(big, { recursive: true, force: true });
rmSync(scratch, { recursive: true, force: true });
