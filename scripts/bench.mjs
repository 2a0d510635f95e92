#!/usr/bin/env node
// All benchmarks in one run (not tests), each figure next to the tool a user would otherwise run, written to
// docs/bench.md with the machine's core count and Node version:
//   bench-start.mjs  node -e 0, --help, detect, detect on a 10 MB Program.cs
//   bench-add.mjs    add --check cold and warm (and with the check cache off) vs dotnet ef has-pending-model-changes,
//                    add --yes
//   bench-db.mjs     db update on 10 and 1,000,000 users (SQLite, PostgreSQL) vs dotnet ef database update
//   bench-mysql.mjs  add --switch-mysql-provider, and db update on 10 and 100,000 users (MariaDB) vs dotnet ef
//                    migrations script + the mariadb client (dotnet ef database update fails there)
//   bench-stats.mjs  stats on 1,000,000 users (SQLite, PostgreSQL) vs the three counts alone
//   bench-install.mjs  the packed install (cold npm cache): time and size, vs dotnet tool install dotnet-ef
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
  ['MySQL/MariaDB (--switch-mysql-provider)', 'bench-mysql.mjs', quick ? ['--runs', '1'] : []],
  ['stats', 'bench-stats.mjs', quick ? ['--users', '100000', '--passkeys', '30000', '--runs', '1'] : []],
  ['Install', 'bench-install.mjs', []],
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
const notes = `## Notes

- The check cache is what makes the warm \`add --check\` fast: the full check (cache off) is the second figure.
  Cold means an empty cache folder: the SDK evaluates the project (\`dotnet msbuild\`) and, when pending, NuGet
  judges the retarget (\`dotnet restore\` in a scratch folder).
- PostgreSQL with 1,000,000 users: both tools run the same \`ALTER TABLE "AspNetUsers" ALTER COLUMN "PhoneNumber"
  TYPE character varying(256)\`, which PostgreSQL executes as a rewrite of the table and its indexes (3.5-4.3 s on a 1,000,000-row AspNetUsers with every Identity column filled,
  measured alone in psql; a narrowing is never done in place). What passkey-migrate added on top was the
  data-loss count over the same column (159 ms alone); it now runs only when PostgreSQL refuses the ALTER. The
  remaining difference is process start-up (the .NET host and EF's design-time build versus Node). With
  \`--keep-existing-columns\` (passkeys table only) the time does not grow with the users.
- MariaDB is not in the db table: this machine's NuGet has no EF Core 10 provider for it, so there is no
  \`dotnet ef database update\` to compare with.
`;
writeFileSync(path.join(root, 'docs', 'bench.md'), `${head}\n${sections.join('\n\n')}\n\n${notes}`);
console.log('\nwritten to docs/bench.md');
