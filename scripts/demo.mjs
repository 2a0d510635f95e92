#!/usr/bin/env node
// The README's first command: the main job (`passkey-migrate add`, then `verify`) on the bundled SQLite sample app (fixtures/webapp-sqlite), on a scratch
// copy in the system temp folder, so the repository stays clean. The database is created from the SQL script EF Core
// generated for the sample (fixtures/webapp-sqlite/db/sqlite.sql).
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
// The main job: `add` (the plan, then applied), the CI gate, and the proof in a browser when one is installed.
const browser = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].some((b) => existsSync(b)) || process.env.PASSKEY_MIGRATE_BROWSER;
const steps = [
  ['detect', '--project', scratch],
  ['add', '--yes', '--project', scratch],
  ['add', '--check', '--project', scratch],
  ...(browser ? [['verify', '--project', scratch]] : []),
];
let status = 0;
for (const args of steps) {
  console.log(`$ passkey-migrate ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  status = result.status ?? 1;
  if (status !== 0) break;
  console.log();
}
if (!browser) console.log('demo: no Chromium found, so `passkey-migrate verify` was skipped (apt-get install chromium)');
console.log(`demo: the migrated copy stays at ${scratch} for you to look at`);
process.exit(status);
