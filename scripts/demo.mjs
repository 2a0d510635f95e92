#!/usr/bin/env node
// The README's first command: the main job on the bundled SQLite sample app (fixtures/webapp-sqlite), on a scratch
// copy in the system temp folder, so the repository stays clean. The database is created from the SQL script EF Core
// generated for the sample (fixtures/webapp-sqlite/db/sqlite.sql).
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sample = path.join(root, 'fixtures', 'webapp-sqlite');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'passkey-migrate-demo-'));
cpSync(sample, scratch, { recursive: true, filter: (src) => !/[\\/](bin|obj)$/.test(src) && !/\.db$/.test(src) });
const db = new Database(path.join(scratch, 'app.db'));
db.exec(readFileSync(path.join(sample, 'db', 'sqlite.sql'), 'utf8').replace(/^\uFEFF/, ''));
db.close();

console.log(`demo: scratch copy of the sample app at ${scratch}\n`);
const bin = path.join(root, 'bin', 'passkey-migrate.js');
// Until `add` exists, the main job is upgrade + db update (the project, then the database).
const steps = [
  ['detect', '--project', scratch],
  ['upgrade', '--project', scratch],
  ['db', 'update', '--project', scratch],
  ['detect', '--project', scratch],
];
let status = 0;
for (const args of steps) {
  console.log(`$ passkey-migrate ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  status = result.status ?? 1;
  if (status !== 0) break;
  console.log();
}
console.log(`demo: the migrated copy stays at ${scratch} for you to look at`);
process.exit(status);
