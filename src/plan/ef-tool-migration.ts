/**
 * The AddPasskeySupport migration written by EF Core itself, for a model whose passkey data are columns (Oracle's
 * MySQL provider): the whole staged plan is copied into a scratch folder with the project, and there
 * `dotnet ef migrations add AddPasskeySupport` writes the migration, its designer and the snapshot, then
 * `dotnet ef migrations has-pending-model-changes` must find nothing left. Both build the app, so a staged change
 * that does not compile stops the plan here, before anything is written. The migration may only create the
 * passkeys table and its index and reshape the columns schema Version3 bounds; anything else EF would change
 * (a column type the provider switch moves) is refused with EF's own words.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildErrors, lastLine, runDotnet } from '../core/dotnet.js';
import { UserError } from '../core/errors.js';
import type { ProjectFacts } from '../read/project/index.js';
import { MIGRATION_NAME } from '../db/passkey-table.js';
import { commonDir } from './restore-check.js';
import type { StagedTree } from './tree.js';

const SKIP = new Set(['bin', 'obj', 'node_modules', '.git', '.vs', '.idea']);
/** The columns schema Version3 may reshape: users.PhoneNumber, the login and token key columns. */
const RESHAPED = new Set(['PhoneNumber', 'LoginProvider', 'ProviderKey', 'Name']);

export interface EfToolMigration {
  id: string;
  productVersion: string;
}

export async function planMigrationByEf(facts: ProjectFacts, tree: StagedTree, efVersion: string): Promise<EfToolMigration> {
  const migrations = facts.migrations!;
  const changes = tree.changes();
  const projectFiles = [facts.msbuild, ...facts.references].flatMap((p) => p.files.map((f) => f.path));
  const base = commonDir([path.join(facts.located.root, '_'), ...changes.map((c) => c.path), ...projectFiles]);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pkm-ef-'));
  const inScratch = (file: string) => path.join(scratch, path.relative(base, file));
  try {
    cpSync(base, scratch, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) });
    for (const change of changes) {
      mkdirSync(path.dirname(inScratch(change.path)), { recursive: true });
      writeFileSync(inScratch(change.path), change.after);
    }
    await efTool(scratch, efVersion);
    const migrationsProject = [facts.msbuild, ...facts.references].find((p) => p.dir === migrations.projectDir)?.path ?? facts.msbuild.path;
    const target = ['--project', inScratch(migrationsProject), '--startup-project', inScratch(facts.msbuild.path), '--context', facts.identity.dbContext.name];
    const folder = inScratch(migrations.folder);
    // EF's tools read the project's metadata before they build, which needs the restored assets.
    const restored = await runDotnet(['restore', inScratch(facts.msbuild.path)], { cwd: scratch });
    if (restored.code !== 0) throw efFailure('dotnet restore', restored.output);
    const added = await runDotnet(['ef', 'migrations', 'add', MIGRATION_NAME, ...target], { cwd: scratch });
    if (added.code !== 0) throw efFailure('dotnet ef migrations add', added.output);
    const migrationFile = readdirSync(folder).find((f) => new RegExp(`^\\d{14}_${MIGRATION_NAME}\\.cs$`).test(f));
    if (!migrationFile)
      throw new UserError(`dotnet ef migrations add wrote no ${MIGRATION_NAME} migration in ${path.relative(scratch, folder)} (scratch copy)`, {
        hint: 'run it yourself to see why',
      });
    const id = migrationFile.replace(/\.cs$/, '');
    const migration = readFileSync(path.join(folder, migrationFile), 'utf8');
    const designer = readFileSync(path.join(folder, `${id}.Designer.cs`), 'utf8');
    const snapshot = readFileSync(inScratch(migrations.snapshotFile), 'utf8');
    refuseOtherOperations(migration, facts.identity.tables.userPasskeys.name);
    const pending = await runDotnet(['ef', 'migrations', 'has-pending-model-changes', ...target], { cwd: scratch });
    if (!/No changes have been made to the model since the last migration/.test(pending.output)) throw efFailure('dotnet ef migrations has-pending-model-changes', pending.output);
    const productVersion = /HasAnnotation\("ProductVersion", "([^"]+)"\)/.exec(designer)?.[1] ?? efVersion;
    tree.write(path.join(migrations.folder, migrationFile), migration, 'EF migration AddPasskeySupport (written by dotnet ef)');
    tree.write(path.join(migrations.folder, `${id}.Designer.cs`), designer, 'EF migration AddPasskeySupport (designer, written by dotnet ef)');
    tree.write(migrations.snapshotFile, snapshot, 'EF model snapshot (written by dotnet ef)');
    return { id, productVersion };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** dotnet-ef: the project's local tool, else one of the app's EF version from a manifest we add to the scratch copy, else a global one. */
async function efTool(scratch: string, efVersion: string): Promise<void> {
  const manifest = path.join(scratch, '.config', 'dotnet-tools.json');
  if (!existsSync(manifest)) {
    mkdirSync(path.dirname(manifest), { recursive: true });
    writeFileSync(manifest, JSON.stringify({ version: 1, isRoot: true, tools: { 'dotnet-ef': { version: efVersion, commands: ['dotnet-ef'], rollForward: true } } }, null, 2));
  }
  const restored = await runDotnet(['tool', 'restore'], { cwd: scratch });
  if (restored.code === 0) return;
  rmSync(manifest, { force: true });
  const global = await runDotnet(['ef', '--version'], { cwd: scratch });
  if (global.code !== 0) {
    throw new UserError(`EF Core's tools (dotnet-ef ${efVersion}) could not be restored, and none is installed: ${lastLine(restored.output)}`, {
      hint: `install them (dotnet tool install --global dotnet-ef --version ${efVersion}), then run again`,
    });
  }
}

function efFailure(command: string, output: string): UserError {
  const errors = buildErrors(output).filter((l) => /error CS|error NU|error MSB/.test(l));
  const first = errors[0] ?? lastLine(output);
  return new UserError(`${command} failed on the planned changes (in a scratch copy; nothing written): ${first}`, {
    hint: errors.length ? 'the switched app does not compile there: fix or report that line, then run again (--verbose shows more)' : 'run it on your project to see why',
  });
}

/** Only the passkeys table, its index and the Version3 column reshape; anything else is named. */
function refuseOtherOperations(migration: string, passkeysTable: string): void {
  const up = migration.slice(migration.indexOf('void Up('), migration.indexOf('void Down('));
  const others: string[] = [];
  for (const m of up.matchAll(/migrationBuilder\.(\w+)(?:<\w+>)?\(\s*name: "([^"]+)"(?:,\s*table: "([^"]+)")?/g)) {
    const [, op, name, table] = m as unknown as [string, string, string, string | undefined];
    if (op === 'CreateTable' && name === passkeysTable) continue;
    if (op === 'CreateIndex' && table === passkeysTable) continue;
    if (op === 'AlterColumn' && RESHAPED.has(name)) continue;
    others.push(`${op} ${table ? `${table}.` : ''}${name}`);
  }
  if (others.length) {
    throw new UserError(`after the planned changes EF Core would also change the database: ${others.join(', ')} (dotnet ef migrations add, in a scratch copy; nothing written)`, {
      hint: "a column type Oracle's MySQL provider maps differently from Pomelo: pin it with HasColumnType(...) in the DbContext (docs/mysql.md), then run again",
    });
  }
}
