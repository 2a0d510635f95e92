/**
 * `passkey-migrate upgrade`: steps 1 and 2 of the guide, done as a careful developer would with the .NET tools:
 * retarget to .NET 10 (frameworks, packages, SDK pin), Identity schema Version3, and the EF migration
 * AddPasskeySupport (migration, designer, snapshot) in the app's migrations folder and namespace.
 */
import { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { changeAction, unifiedDiff } from '../plan/file-change.js';
import { StagedTree } from '../plan/tree.js';
import { planUpgrade, type UpgradeOptions } from '../plan/upgrade-plan.js';
import { readProject } from '../read/project/index.js';
import { applyJournaled, fileList, relativeTo } from './plan-output.js';

export interface UpgradeCommandOptions extends UpgradeOptions {
  project?: string;
  dryRun?: boolean;
  check?: boolean;
}

export async function upgrade(options: UpgradeCommandOptions, out: Output): Promise<number> {
  const facts = await readProject({ project: options.project });
  const tree = StagedTree.forProject(facts.fileStyle);
  const plan = await planUpgrade(facts, tree, options);
  const changes = tree.changes();
  const rel = relativeTo(facts.located.root);
  const write = () =>
    applyJournaled('upgrade', facts, changes, rel, {
      migrationId: plan.migrationId,
      productVersion: plan.productVersion,
      keepExistingColumns: options.keepExistingColumns ?? false,
    });
  if (out.json) {
    if (!options.check && !options.dryRun && changes.length) await write();
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
  for (const p of plan.packages) out.line(`  package ${p.id} ${p.from} -> ${p.to}  ${out.style('dim', `(${p.source})`)}`);
  for (const note of plan.notes) out.warn(note);
  if (options.dryRun) {
    for (const c of changes) out.line(await unifiedDiff(c, rel(c.path)));
    return ExitCode.ok;
  }
  if (options.check) return ExitCode.pending;
  await write();
  out.line(`${out.style('ok', 'done')}: ${changes.length} file${changes.length === 1 ? '' : 's'} written. Next: dotnet build, then passkey-migrate db update.`);
  return ExitCode.ok;
}
