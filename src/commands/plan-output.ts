/** How commands that write files show a plan, settle conflicts and ask before writing. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { changeAction, unifiedDiff, type FileChange } from '../plan/file-change.js';
import { removeStaleTemps } from '../apply/atomic.js';
import { refuseChangedSincePlanning } from '../apply/files.js';
import { applyProject } from '../apply/project-apply.js';
import type { ProjectFacts } from '../read/project/index.js';
import { choose, confirmInTerminal, page, type Review } from './prompt.js';

export type ConflictChoice = 'skip' | 'overwrite' | 'keep-both';

export function relativeTo(root: string) {
  return (file: string) => path.relative(root, file).split(path.sep).join('/');
}

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY) && !process.env.CI;
}

/**
 * Files we would create where a different file already is: settled by --on-conflict, else asked one by one in a
 * terminal (with the diff), else refused. Never overwritten silently.
 */
export async function settleConflicts(changes: FileChange[], choice: string | undefined, out: Output, rel: (file: string) => string): Promise<FileChange[]> {
  if (choice !== undefined && !['skip', 'overwrite', 'keep-both'].includes(choice)) {
    throw new UserError(`--on-conflict must be skip, overwrite or keep-both, not "${choice}"`);
  }
  const conflicts = changes.filter((c) => c.conflict);
  if (!conflicts.length) return changes;
  // A kept file must still have what the other generated files use from it.
  const { missingIfKept } = await import('../plan/conflict-check.js');
  const missing = new Map<FileChange, string[]>();
  for (const c of conflicts) missing.set(c, await missingIfKept(c, changes));
  const cannotKeep = (c: FileChange) => {
    const names = missing.get(c)!;
    return names.length ? `${rel(c.path)} as it is lacks what the new files use: ${names.slice(0, 6).join(', ')}${names.length > 6 ? `, and ${names.length - 6} more` : ''}` : null;
  };
  const decided = new Map<FileChange, ConflictChoice>();
  if (choice) {
    for (const c of conflicts) {
      if ((choice === 'skip' || choice === 'keep-both') && cannotKeep(c)) {
        throw new UserError(`--on-conflict ${choice} would break the build: ${cannotKeep(c)}`, {
          hint: `answer overwrite for ${rel(c.path)} (see the differences with --dry-run), or add those members to it first`,
        });
      }
      decided.set(c, choice as ConflictChoice);
    }
  } else if (interactive() && !out.json) {
    for (const c of conflicts) {
      out.line(out.style('warn', `${rel(c.path)} exists and differs from what passkey-migrate writes:`));
      // A long diff goes through the pager, so the question stays on the screen.
      page(out.diff(await unifiedDiff(c, rel(c.path))));
      const answer = await choose<ConflictChoice>(out, `${rel(c.path)}:`, [
        { name: 'skip (keep my file)', value: 'skip', disabled: cannotKeep(c) ?? false },
        { name: 'overwrite (use the new file)', value: 'overwrite' },
        { name: 'keep both (write the new one next to it as .passkey-migrate)', value: 'keep-both', disabled: cannotKeep(c) ?? false },
      ]);
      decided.set(c, answer);
    }
  } else {
    throw new UserError(
      `${conflicts.length} file${conflicts.length === 1 ? '' : 's'} already exist${conflicts.length === 1 ? 's' : ''} with other content: ${conflicts.map((c) => rel(c.path)).join(', ')}`,
      {
        hint: 'pass --on-conflict skip|overwrite|keep-both (see the differences with --dry-run)',
      },
    );
  }
  const out2: FileChange[] = [];
  for (const c of changes) {
    const d = decided.get(c);
    if (!d) out2.push(c);
    else if (d === 'overwrite') out2.push({ ...c, conflict: false });
    else if (d === 'keep-both') out2.push({ path: `${c.path}.passkey-migrate`, before: null, after: c.after, reason: `${c.reason} (kept next to ${path.basename(c.path)})` });
  }
  if (!out.json) {
    for (const [c, d] of decided) {
      if (d === 'skip') out.line(`  ${'keep'.padEnd(7)} ${rel(c.path)}  ${out.style('dim', '(yours, not replaced)')}`);
      if (d === 'keep-both') out.line(`  ${'keep'.padEnd(7)} ${rel(c.path)}  ${out.style('dim', `(yours; the new one is ${path.basename(c.path)}.passkey-migrate)`)}`);
    }
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

export async function diffsOf(out: Output, changes: FileChange[], rel: (file: string) => string): Promise<string> {
  const parts: string[] = [];
  for (const c of changes) parts.push(out.diff(await unifiedDiff(c, rel(c.path))));
  return parts.join('\n');
}

export async function printDiffs(out: Output, changes: FileChange[], rel: (file: string) => string): Promise<void> {
  if (changes.length) out.line(await diffsOf(out, changes, rel));
}

/** A step's SQL under its description, indented and dimmed (--dry-run of add, db update and db rollback). */
export function printSql(out: Output, statements: string[]): void {
  for (const statement of statements) out.line(out.style('dim', `    ${statement.replace(/\n/g, '\n    ')}`));
}

/** The plan in one line: "plan: 12 files (9 created, 3 updated), 4 packages, 3 SQL steps". */
export function planSummary(changes: FileChange[], packages = 0, sqlSteps = 0): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const created = changes.filter((c) => c.before === null).length;
  const parts = [`${count(changes.length, 'file')} (${created} created, ${changes.length - created} updated)`];
  if (packages) parts.push(count(packages, 'package'));
  if (sqlSteps) parts.push(count(sqlSteps, 'SQL step'));
  return `plan: ${parts.join(', ')}`;
}

/**
 * Asks before writing; never with --json, when stdin is not a terminal, or CI is set (then --yes is required).
 * With a review, the plan's summary comes right before the question and `d` shows the diffs.
 */
export async function confirmOrRefuse(yes: boolean | undefined, question: string, out: Output, review?: Review): Promise<boolean> {
  if (yes) return true;
  if (out.json) {
    throw new UserError('--json never asks: pass --yes to apply the plan, or --dry-run to see it', { exitCode: ExitCode.error, code: 'confirmation-required' });
  }
  if (!interactive()) {
    throw new UserError('not asking for confirmation: stdin is not a terminal or CI is set', {
      hint: 'pass --yes to apply the plan, or --dry-run to see it',
      exitCode: ExitCode.error,
      code: 'confirmation-required',
    });
  }
  return confirmInTerminal(out, question, review);
}

/**
 * A dirty git worktree makes the change hard to review and to undo: refused unless --allow-dirty. `expected`
 * names files whose change is the point (undo's own), which do not count.
 */
export function refuseDirtyWorktree(root: string, allowDirty: boolean, expected: (file: string) => boolean = () => false): void {
  if (allowDirty) return;
  let status: string;
  let top: string;
  try {
    const git = (...args: string[]) => execFileSync('git', ['--no-optional-locks', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    status = git('status', '--porcelain', '-z', '--untracked-files=all', '--', '.');
    top = git('rev-parse', '--show-toplevel').trim();
  } catch {
    return; // not a git worktree, or no git
  }
  // -z: "XY path\0", a rename "XY new\0old\0"; paths relative to the top of the worktree.
  const entries = status.split('\0');
  const dirty: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (!entry) continue;
    if (entry[0] === 'R' || entry[0] === 'C') i++;
    const file = entry.slice(3);
    if (!expected(path.resolve(top, file))) dirty.push(file);
  }
  if (dirty.length) {
    throw new UserError(
      `the git worktree has ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'} (${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', ...' : ''})`,
      {
        hint: 'commit or stash them first so this change can be reviewed and undone on its own, or pass --allow-dirty',
      },
    );
  }
}

/**
 * Writes a file-only plan (upgrade, scaffold) all or nothing, with a journal, so that `undo` reverts it and a
 * killed run is finished by the next `add`.
 */
export async function applyJournaled(
  command: string,
  facts: ProjectFacts,
  changes: FileChange[],
  rel: (file: string) => string,
  extra: { migrationId?: string | null; productVersion?: string | null; keepExistingColumns?: boolean } = {},
): Promise<void> {
  const projectDir = facts.msbuild.dir;
  refuseChangedSincePlanning(changes, rel);
  removeStaleTemps([path.join(projectDir, '.passkey-migrate'), ...changes.map((c) => path.dirname(c.path))]);
  await applyProject({
    projectDir,
    display: rel,
    journal: {
      version: 2,
      command,
      status: 'writing',
      startedAt: new Date().toISOString(),
      migrationId: extra.migrationId ?? null,
      productVersion: extra.productVersion ?? null,
      dbJournalDir: null,
      keepExistingColumns: extra.keepExistingColumns ?? false,
      files: changes.map((c) => ({ path: c.path, before: c.before, after: c.after })),
      createdTables: [],
    },
  });
}
