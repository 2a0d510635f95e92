/** How commands that write files show a plan, settle conflicts and ask before writing. */
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { changeAction, unifiedDiff, type FileChange } from '../plan/file-change.js';

export type ConflictChoice = 'skip' | 'overwrite' | 'keep-both';

export function relativeTo(root: string) {
  return (file: string) => path.relative(root, file).split(path.sep).join('/');
}

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY) && !process.env.CI;
}

async function prompts() {
  const { default: inquirer } = await import('inquirer');
  return inquirer.createPromptModule({ output: process.stderr });
}

/**
 * Files we would create where a different file already is: settled by --on-conflict, else asked one by one in a
 * terminal (with the diff), else refused. Never overwritten silently.
 */
export async function settleConflicts(
  changes: FileChange[],
  choice: string | undefined,
  out: Output,
  rel: (file: string) => string,
): Promise<FileChange[]> {
  if (choice !== undefined && !['skip', 'overwrite', 'keep-both'].includes(choice)) {
    throw new UserError(`--on-conflict must be skip, overwrite or keep-both, not "${choice}"`);
  }
  const conflicts = changes.filter((c) => c.conflict);
  if (!conflicts.length) return changes;
  const decided = new Map<FileChange, ConflictChoice>();
  if (choice) {
    for (const c of conflicts) decided.set(c, choice as ConflictChoice);
  } else if (interactive() && !out.json) {
    const prompt = await prompts();
    for (const c of conflicts) {
      out.line(out.style('warn', `${rel(c.path)} exists and differs from what passkey-migrate writes:`));
      out.line(await unifiedDiff(c, rel(c.path)));
      const answer = await prompt<{ choice: ConflictChoice }>([
        {
          type: 'list',
          name: 'choice',
          message: `${rel(c.path)}:`,
          choices: [
            { name: 'skip (keep my file)', value: 'skip' },
            { name: 'overwrite (use the new file)', value: 'overwrite' },
            { name: 'keep both (write the new one next to it as .passkey-migrate)', value: 'keep-both' },
          ],
        },
      ]);
      decided.set(c, answer.choice);
    }
  } else {
    throw new UserError(`${conflicts.length} file${conflicts.length === 1 ? '' : 's'} already exist${conflicts.length === 1 ? 's' : ''} with other content: ${conflicts.map((c) => rel(c.path)).join(', ')}`, {
      hint: 'pass --on-conflict skip|overwrite|keep-both (see the differences with --dry-run)',
    });
  }
  const out2: FileChange[] = [];
  for (const c of changes) {
    const d = decided.get(c);
    if (!d) out2.push(c);
    else if (d === 'overwrite') out2.push({ ...c, conflict: false });
    else if (d === 'keep-both') out2.push({ path: `${c.path}.passkey-migrate`, before: null, after: c.after, reason: `${c.reason} (kept next to ${path.basename(c.path)})` });
  }
  return out2;
}

/** The planned files as the --json documents list them. */
export function fileList(changes: FileChange[], rel: (file: string) => string) {
  return changes.map((c) => ({ path: rel(c.path), action: changeAction(c), reason: c.reason }));
}

export function listChanges(out: Output, changes: FileChange[], rel: (file: string) => string): void {
  for (const c of changes) {
    out.line(`  ${changeAction(c).padEnd(7)} ${rel(c.path)}  ${out.style('dim', `(${c.reason})`)}`);
  }
}

export async function printDiffs(out: Output, changes: FileChange[], rel: (file: string) => string): Promise<void> {
  for (const c of changes) out.line(await unifiedDiff(c, rel(c.path)));
}

/** Asks before writing; never when stdin is not a terminal or CI is set (then --yes is required). */
export async function confirmOrRefuse(yes: boolean | undefined, question: string): Promise<boolean> {
  if (yes) return true;
  if (!interactive()) {
    throw new UserError('not asking for confirmation: stdin is not a terminal or CI is set', { hint: 'pass --yes to apply the plan, or --dry-run to see it', exitCode: ExitCode.error });
  }
  const prompt = await prompts();
  const answer = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message: question, default: true }]);
  return answer.ok;
}
