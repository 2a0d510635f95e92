/**
 * `passkey-migrate scaffold --pages`: only the passkey UI (models, element, endpoints, login, manage pages, nav
 * link, script include), for an app already on .NET 10 with schema Version3. Same plan and conflict rules as add.
 */
import { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { StagedTree } from '../plan/tree.js';
import { planUi } from '../plan/ui/index.js';
import { applyJournaled, confirmOrRefuse, diffsOf, fileList, listChanges, planSummary, printDiffs, refuseDirtyWorktree, relativeTo, settleConflicts } from './plan-output.js';
import { readTarget, type TargetOptions } from './target.js';

export interface ScaffoldOptions extends TargetOptions {
  pages?: boolean;
  ui?: string;
  manageUi?: string;
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
  onConflict?: string;
  allowDirty?: boolean;
  forceUi?: boolean;
  ignorePostLogin?: boolean;
  /** the enrollment prompt on by default (--no-prompt: false) */
  prompt?: boolean;
}

export async function scaffold(options: ScaffoldOptions, out: Output): Promise<number> {
  // The pages are what scaffold makes (--pages is accepted and changes nothing).
  const facts = await readTarget(options);
  const rel = relativeTo(facts.located.root);
  const tree = StagedTree.forProject(facts.fileStyle);
  const plan = await planUi(facts, tree, options);
  const planned = tree.changes();
  const files = fileList(planned, rel);
  if (planned.length === 0) {
    if (out.json) out.document({ command: 'scaffold', status: 'up-to-date', ui: plan.kind, files, notes: plan.notes });
    else out.line(`${out.style('ok', 'nothing to do')}: the passkey pages are in place`);
    return ExitCode.ok;
  }
  if (options.check || options.dryRun) {
    if (out.json) out.document({ command: 'scaffold', status: 'pending', ui: plan.kind, files, notes: plan.notes });
    else {
      out.line(out.style('heading', 'Files:'));
      listChanges(out, planned, rel);
      for (const note of plan.notes) out.warn(note);
      if (options.dryRun) {
        await printDiffs(out, planned, rel);
        out.line(planSummary(planned));
      }
    }
    return options.check ? ExitCode.pending : ExitCode.ok;
  }
  if (!out.json) {
    out.line(out.style('heading', 'Files:'));
    listChanges(out, planned, rel);
    for (const note of plan.notes) out.warn(note);
  }
  refuseDirtyWorktree(facts.located.root, options.allowDirty ?? false);
  const changes = await settleConflicts(planned, options.onConflict, out, rel);
  if (!(await confirmOrRefuse(options.yes, 'Write these files?', out, { summary: planSummary(changes), diffs: () => diffsOf(out, changes, rel) }))) return ExitCode.ok;
  await applyJournaled('scaffold', facts, changes, rel);
  if (out.json) out.document({ command: 'scaffold', status: 'applied', ui: plan.kind, files: fileList(changes, rel), notes: plan.notes });
  else out.line(`${out.style('ok', 'done')}: ${changes.length} file${changes.length === 1 ? '' : 's'} written`);
  return ExitCode.ok;
}
