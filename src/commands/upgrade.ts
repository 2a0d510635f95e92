/**
 * `passkey-migrate upgrade`: steps 1 and 2 of the guide, done as a careful developer would with the .NET tools:
 * retarget to .NET 10 (frameworks, packages, SDK pin), Identity schema Version3, and the EF migration
 * AddPasskeySupport (migration, designer, snapshot) in the app's migrations folder and namespace.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { applyFileChanges } from '../apply/files.js';
import { changeAction, mergeChanges, unifiedDiff, type FileChange } from '../plan/file-change.js';
import { fileList } from './plan-output.js';
import { planEfMigration } from '../plan/ef-migration-plan.js';
import { planKeepColumns } from '../plan/keep-columns.js';
import { planRetarget } from '../plan/retarget.js';
import { planSchemaVersion } from '../plan/schema-version.js';
import { productVersionFor } from '../plan/db-plan.js';
import { readProject, type ProjectFacts } from '../read/project/index.js';

export interface UpgradeOptions {
  project?: string;
  dryRun?: boolean;
  check?: boolean;
  aspnetVersion?: string;
  keepExistingColumns?: boolean;
  skipRetarget?: boolean;
  offline?: boolean;
}

export interface UpgradePlan {
  changes: FileChange[];
  packages: { id: string; from: string; to: string; source: string }[];
  notes: string[];
  migrationId: string | null;
}

export async function planUpgrade(facts: ProjectFacts, options: UpgradeOptions): Promise<UpgradePlan> {
  const provider = facts.identity.provider?.name;
  if (!provider) throw new UserError('no EF Core provider call (UseSqlite, UseSqlServer, UseNpgsql, UseMySql) found for the DbContext');
  const changes: FileChange[] = [];
  const notes: string[] = [];
  let packages: UpgradePlan['packages'] = [];
  if (!options.skipRetarget) {
    const retarget = await planRetarget(facts, { aspnetVersion: options.aspnetVersion, offline: options.offline });
    changes.push(...retarget.changes);
    packages = retarget.packages;
    notes.push(...retarget.notes);
  }
  const schema = await planSchemaVersion(facts);
  if (schema) changes.push(schema);
  if (options.keepExistingColumns) {
    const keep = await planKeepColumns(facts, provider);
    if (keep) changes.push(keep);
  }
  let migrationId: string | null = facts.migrations?.migrations.find((m) => /_AddPasskeySupport$/.test(m)) ?? null;
  if (!facts.migrations) {
    notes.push('the app has no EF Core migrations (it may call EnsureCreated): no migration files are written; `passkey-migrate db update` adds the passkeys table to its database');
  } else if (!migrationId) {
    const efVersion = packages.find((p) => /^Microsoft\.EntityFrameworkCore(\.|$)|^Microsoft\.AspNetCore\.Identity\.EntityFrameworkCore$/i.test(p.id))?.to ?? productVersionFor(facts);
    const ef = (await planEfMigration(facts, provider, { keepExistingColumns: options.keepExistingColumns ?? false, productVersion: efVersion }))!;
    migrationId = ef.definition.id;
    changes.push(
      { path: ef.files.migration.path, before: null, after: ef.files.migration.text, reason: 'EF migration AddPasskeySupport' },
      { path: ef.files.designer.path, before: null, after: ef.files.designer.text, reason: 'EF migration AddPasskeySupport (designer)' },
      { path: facts.migrations.snapshotFile, before: readSnapshot(facts), after: ef.files.snapshot.text, reason: 'EF model snapshot' },
    );
  }
  return { changes: mergeChanges(changes), packages, notes, migrationId };
}

function readSnapshot(facts: ProjectFacts): string {
  return readFileSync(facts.migrations!.snapshotFile, 'utf8');
}

export async function upgrade(options: UpgradeOptions, out: Output): Promise<number> {
  const facts = await readProject({ project: options.project });
  const plan = await planUpgrade(facts, options);
  const root = facts.located.root;
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
  if (out.json) {
    if (!options.check && !options.dryRun && plan.changes.length) applyFileChanges(plan.changes);
    out.document({
      command: 'upgrade',
      status: plan.changes.length === 0 ? 'up-to-date' : options.check || options.dryRun ? 'pending' : 'applied',
      migrationId: plan.migrationId,
      files: fileList(plan.changes, rel),
      packages: plan.packages,
      notes: plan.notes,
    });
    return options.check && plan.changes.length ? ExitCode.pending : ExitCode.ok;
  }
  if (plan.changes.length === 0) {
    out.line(`${out.style('ok', 'up to date')}: ${facts.msbuild.name} is on .NET 10 with Identity schema Version3${plan.migrationId ? ` and ${plan.migrationId}` : ''}`);
    for (const note of plan.notes) out.warn(note);
    return ExitCode.ok;
  }
  out.line(out.style('heading', options.check || options.dryRun ? 'Pending changes:' : 'Changes:'));
  for (const c of plan.changes) out.line(`  ${changeAction(c)} ${rel(c.path)}  ${out.style('dim', `(${c.reason})`)}`);
  for (const p of plan.packages) out.line(`  package ${p.id} ${p.from} -> ${p.to}  ${out.style('dim', `(${p.source})`)}`);
  for (const note of plan.notes) out.warn(note);
  if (options.dryRun) {
    for (const c of plan.changes) out.line(await unifiedDiff(c, rel(c.path)));
    return ExitCode.ok;
  }
  if (options.check) return ExitCode.pending;
  applyFileChanges(plan.changes);
  out.line(`${out.style('ok', 'done')}: ${plan.changes.length} file${plan.changes.length === 1 ? '' : 's'} written. Next: dotnet build, then passkey-migrate db update.`);
  return ExitCode.ok;
}
