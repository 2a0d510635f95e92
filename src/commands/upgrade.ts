/**
 * `passkey-migrate upgrade`: steps 1 and 2 of the guide, done as a careful developer would with the .NET tools:
 * retarget to .NET 10 (frameworks, packages, SDK pin), Identity schema Version3, and the EF migration
 * AddPasskeySupport (migration, designer, snapshot) in the app's migrations folder and namespace.
 */
import { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { changeAction } from '../plan/file-change.js';
import { StagedTree } from '../plan/tree.js';
import { planUpgrade, type UpgradeOptions } from '../plan/upgrade-plan.js';
import { planMigrationByEf } from '../plan/ef-tool-migration.js';
import { applyJournaled, confirmOrRefuse, diffsOf, fileList, planSummary, printDiffs, refuseDirtyWorktree, relativeTo } from './plan-output.js';
import { readTarget, type TargetOptions } from './target.js';

export interface UpgradeCommandOptions extends UpgradeOptions, TargetOptions {
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
  allowDirty?: boolean;
}

export async function upgrade(options: UpgradeCommandOptions, out: Output): Promise<number> {
  const facts = await readTarget(options);
  const tree = StagedTree.forProject(facts.fileStyle);
  const plan = await planUpgrade(facts, tree, options);
  if (plan.migrationByEf) {
    const ef = await planMigrationByEf(facts, tree, plan.productVersion);
    plan.migrationId = ef.id;
    plan.productVersion = ef.productVersion;
  }
  const changes = tree.changes();
  const rel = relativeTo(facts.located.root);
  const write = () =>
    applyJournaled('upgrade', facts, changes, rel, {
      migrationId: plan.migrationId,
      productVersion: plan.productVersion,
      keepExistingColumns: options.keepExistingColumns ?? false,
    });
  const writing = !options.check && !options.dryRun && changes.length > 0;
  if (out.json) {
    if (writing) {
      refuseDirtyWorktree(facts.located.root, options.allowDirty ?? false);
      await confirmOrRefuse(options.yes, 'Apply these changes?', out);
      await write();
    }
    out.document({
      command: 'upgrade',
      status: changes.length === 0 ? 'up-to-date' : options.check || options.dryRun ? 'pending' : 'applied',
      migrationId: plan.migrationId,
      files: fileList(changes, rel),
      packages: plan.packages,
      notes: plan.notes,
    });
    return options.check && changes.length ? ExitCode.pending : ExitCode.ok;
  }
  if (changes.length === 0) {
    out.line(`${out.style('ok', 'up to date')}: ${facts.msbuild.name} is on .NET 10 with Identity schema Version3${plan.migrationId ? ` and ${plan.migrationId}` : ''}`);
    for (const note of plan.notes) out.warn(note);
    return ExitCode.ok;
  }
  out.line(out.style('heading', options.check || options.dryRun ? 'Pending changes:' : 'Changes:'));
  for (const c of changes) out.line(`  ${changeAction(c)} ${rel(c.path)}  ${out.style('dim', `(${c.reason})`)}`);
  for (const p of plan.packages) out.line(`  package ${p.id} ${p.from} -> ${p.renamedTo ? `${p.renamedTo} ` : ''}${p.to}  ${out.style('dim', `(${p.source})`)}`);
  for (const note of plan.notes) out.warn(note);
  const summary = planSummary(changes, plan.packages.length);
  if (options.dryRun) {
    await printDiffs(out, changes, rel);
    out.line(summary);
    return ExitCode.ok;
  }
  if (options.check) return ExitCode.pending;
  refuseDirtyWorktree(facts.located.root, options.allowDirty ?? false);
  if (!(await confirmOrRefuse(options.yes, 'Apply these changes?', out, { summary, diffs: () => diffsOf(out, changes, rel) }))) {
    out.line('nothing changed');
    return ExitCode.ok;
  }
  await write();
  out.line(`${out.style('ok', 'done')}: ${changes.length} file${changes.length === 1 ? '' : 's'} written. Next: dotnet build, then passkey-migrate db update.`);
  return ExitCode.ok;
}
