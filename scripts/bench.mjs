#!/usr/bin/env node
// All benchmarks in one run (not tests), each figure next to the tool a user would otherwise run, written to
// docs/bench.md with the machine's core count and Node version:
//   bench-start.mjs  node -e 0, --help, detect, detect on a 10 MB Program.cs
//   bench-add.mjs    add --check cold and warm (and with the check cache off) vs dotnet ef has-pending-model-changes,
//                    add --yes
//   bench-db.mjs     db update on 10 and 1,000,000 users (SQLite, PostgreSQL) vs dotnet ef database update
// Usage: npm run bench [-- --quick]   (--quick: fewer runs, 10 and 100,000 users)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const parts = [
  ['Start-up and detect', 'bench-start.mjs', quick ? ['--runs', '5'] : []],
  ['add --check and add --yes', 'bench-add.mjs', quick ? ['--runs', '5'] : []],
  ['db update', 'bench-db.mjs', quick ? ['--users', '10,100000', '--runs', '1'] : []],
];
const started = new Date();
const sections = [];
for (const [title, script, args] of parts) {
  console.log(`\n## ${title}\n`);
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', script), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    console.error(`${script} failed (exit ${result.status})`);
    process.exit(1);
  }
  sections.push(`## ${title}\n\n\`\`\`\n${result.stdout.trim()}\n\`\`\``);
}
const head = `# Benchmarks\n\n\`npm run bench\` on ${started.toISOString().slice(0, 10)}: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()} ${os.release()}. Medians of repeated runs, each a new process; every passkey-migrate figure is measured in the same run as the dotnet ef figure it is compared with.\n`;
writeFileSync(path.join(root, 'docs', 'bench.md'), `${head}\n${sections.join('\n\n')}\n`);
console.log('\nwritten to docs/bench.md');
