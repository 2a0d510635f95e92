/**
 * `passkey-migrate add`: the whole upgrade in one reviewable, reversible command. detect -> plan (files with
 * diffs, packages, SQL) -> confirm -> journal -> files (atomic) -> database (under EF's lock) -> summary.
 * --check and --dry-run print the same plan and stop. An interrupted run is finished from its journal.
 */
import { execFileSync } from 'node:child_process';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { readAddJournal, writeAddJournal, type AddJournal } from '../apply/add-journal.js';
import { writeFileAtomic } from '../apply/atomic.js';
import { applyDatabase } from '../apply/db-apply.js';
import { currentText, refuseChangedSincePlanning } from '../apply/files.js';
import { faultPoint } from '../apply/fault.js';
import { planAddDatabase, planAddFiles, type AddPlan } from '../plan/add-plan.js';
import type { DbPlan } from '../plan/db-plan.js';
import { readProject, type ProjectFacts } from '../read/project/index.js';
import { dbContextFor, loadDbContext, openDatabase, type DbCommandOptions } from './db-context.js';
import { confirmOrRefuse, fileList, listChanges, printDiffs, relativeTo, settleConflicts } from './plan-output.js';

export interface AddOptions extends DbCommandOptions {
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
  ui?: string;
  skipUi?: boolean;
  skipDb?: boolean;
  skipRetarget?: boolean;
  allowDirty?: boolean;
  onConflict?: string;
  aspnetVersion?: string;
  offline?: boolean;
}

export async function add(options: AddOptions, out: Output): Promise<number> {
  const facts = await readProject({ project: options.project, connection: options.connection });
  const projectDir = facts.msbuild.dir;
  const rel = relativeTo(facts.located.root);
  const previous = readAddJournal(projectDir);
  const interrupted = previous && previous.status !== 'complete' ? previous : null;

  let journal: AddJournal;
  let plan: AddPlan | null = null;
  let db: DbPlan | null = null;
  let missingTables: string[] = [];
  if (interrupted) {
    if (options.check || options.dryRun) {
      return report(out, options, { status: 'pending', files: interrupted.files.map((f) => ({ path: rel(f.path), action: 'finish', reason: 'interrupted add' })), db: null, notes: ['an earlier add was interrupted; run add --yes to finish it'] });
    }
    out.info(`an earlier add was interrupted (${interrupted.startedAt}); finishing it from its journal`);
    if (!(await confirmOrRefuse(options.yes, 'Finish the interrupted add?'))) return ExitCode.error;
    journal = interrupted;
  } else {
    plan = await planAddFiles(facts, { ...options, keepExistingColumns: options.keepExistingColumns ?? false });
    if (!options.skipDb) ({ plan: db, missingTables } = await planDb(facts, options, plan));
    if (db?.status === 'blocked') throw new UserError(`the database cannot be migrated as it is: ${db.blockers.join('; ')}`, { hint: 'fix it by hand, or pass --skip-db' });
    const pending = plan.changes.length > 0 || db?.status === 'pending';
    if (!pending) {
      return report(out, options, { status: 'up-to-date', files: [], db, notes: plan.notes, facts });
    }
    if (options.check || options.dryRun || out.json) {
      if (!out.json) await showPlan(out, plan, db, rel, options.dryRun ?? false);
      if (options.check || options.dryRun) {
        return report(out, options, { status: 'pending', files: fileList(plan.changes, rel), db, notes: plan.notes, facts });
      }
    } else {
      await showPlan(out, plan, db, rel, false);
    }
    refuseDirtyWorktree(facts, options.allowDirty ?? false);
    const changes = await settleConflicts(plan.changes, options.onConflict, out, rel);
    if (!(await confirmOrRefuse(options.yes, 'Apply these changes?'))) {
      out.line('nothing changed');
      return ExitCode.ok;
    }
    journal = {
      version: 1,
      status: 'writing',
      startedAt: new Date().toISOString(),
      migrationId: plan.migrationId ?? db?.definition.id ?? null,
      dbJournalDir: options.skipDb ? null : facts.migrations?.projectDir ?? projectDir,
      files: changes.map((c) => ({ path: c.path, before: c.before, after: c.after })),
    };
    // Files planned as conflicts-skipped are not in the journal; the rest must still be as planned.
    refuseChangedSincePlanning(journal.files, rel);
    if (!options.skipDb) journal.createdTables = missingTables;
    writeAddJournal(projectDir, journal);
    faultPoint('add:journal');
  }

  // Files: each written atomically; a file already at its new text is left alone (so a re-run finishes the job).
  for (const f of journal.files) {
    const now = currentText(f.path);
    if (now === f.after) continue;
    if (now !== f.before) {
      throw new UserError(`${rel(f.path)} was edited after the interrupted add started; passkey-migrate will not overwrite it`, {
        hint: 'restore it, or remove .passkey-migrate/add.json and run add again',
      });
    }
    writeFileAtomic(f.path, f.after);
    faultPoint('file');
  }
  journal.status = 'files-written';
  writeAddJournal(projectDir, journal);
  faultPoint('add:files-written');

  // The database, planned again from the project as it is now, read afresh: its new migration files carry the
  // id and EF version.
  let applied: DbPlan | null = null;
  if (!options.skipDb) {
    const ctx = await loadDbContext({ ...options });
    const { db: conn } = await openDatabase(ctx, options);
    try {
      const result = await applyDatabase(conn, ctx.dialect, {
        facts: ctx.facts,
        provider: ctx.provider,
        keepExistingColumns: options.keepExistingColumns ?? false,
        lockTimeoutMs: options.lockTimeout ?? 30_000,
        journalDir: ctx.journalDir,
      });
      applied = result.plan;
      if (!journal.migrationId) journal.migrationId = result.plan.definition.id;
    } finally {
      await conn.destroy();
    }
  }
  journal.status = 'complete';
  writeAddJournal(projectDir, journal);
  faultPoint('add:complete');

  if (out.json) {
    out.document({
      command: 'add',
      status: 'applied',
      migrationId: journal.migrationId,
      files: journal.files.map((f) => ({ path: rel(f.path), action: f.before === null ? 'create' : 'update' })),
      packages: plan?.packages ?? [],
      database: applied ? { steps: applied.steps.map((s) => ({ kind: s.kind, description: s.description })) } : null,
      notes: plan?.notes ?? [],
    });
    return ExitCode.ok;
  }
  out.line(`${out.style('ok', 'done')}: ${journal.files.length} file${journal.files.length === 1 ? '' : 's'} written${applied ? `, ${journal.migrationId} applied to the database` : ''}.`);
  out.line('Next:');
  out.line(`  passkey-migrate verify${options.project ? ` --project ${options.project}` : ''}   (build, run, and sign in with a passkey in Chromium)`);
  out.line('  git add -A && git commit -m "Add passkey sign-in (ASP.NET Core Identity schema Version3, AddPasskeySupport)"');
  out.line(out.style('dim', '  passkey-migrate undo reverts this add (files and database) while the files are unchanged.'));
  return ExitCode.ok;
}

/** EF's bookkeeping tables: add creates those the database lacks, undo drops them again. */
const BOOKKEEPING_TABLES = ['__EFMigrationsHistory', '__EFMigrationsLock'];

/**
 * The database side of the plan, over one connection: the steps, and which of EF's bookkeeping tables (history,
 * SQLite lock) the database does not have yet.
 */
async function planDb(facts: ProjectFacts, options: AddOptions, plan: AddPlan): Promise<{ plan: DbPlan; missingTables: string[] }> {
  const ctx = await dbContextFor(facts, options);
  const { db } = await openDatabase(ctx, options);
  try {
    const missingTables: string[] = [];
    for (const name of BOOKKEEPING_TABLES) if (!(await ctx.dialect.tableExists(db, { name, schema: null }))) missingTables.push(name);
    return { plan: await planAddDatabase(db, ctx.dialect, facts, plan, options.keepExistingColumns ?? false), missingTables };
  } finally {
    await db.destroy();
  }
}

async function showPlan(out: Output, plan: AddPlan, db: DbPlan | null, rel: (file: string) => string, diffs: boolean): Promise<void> {
  if (plan.changes.length) {
    out.line(out.style('heading', 'Files:'));
    listChanges(out, plan.changes, rel);
  }
  if (plan.packages.length) {
    out.line(out.style('heading', 'Packages:'));
    for (const p of plan.packages) out.line(`  ${p.id} ${p.from} -> ${p.to}  ${out.style('dim', `(${p.source})`)}`);
  }
  if (db && db.status === 'pending') {
    out.line(out.style('heading', `Database (${db.definition.id}):`));
    for (const step of db.steps) {
      out.line(`  ${step.description}`);
      if (diffs) for (const statement of step.statements) out.line(out.style('dim', `    ${statement.replace(/\n/g, '\n    ')}`));
    }
  }
  for (const note of plan.notes) out.warn(note);
  if (diffs) await printDiffs(out, plan.changes, rel);
}

function report(
  out: Output,
  options: AddOptions,
  r: { status: 'up-to-date' | 'pending'; files: { path: string; action: string; reason: string }[]; db: DbPlan | null; notes: string[]; facts?: ProjectFacts },
): number {
  if (out.json) {
    out.document({
      command: 'add',
      status: r.status,
      files: r.files,
      database: r.db ? { status: r.db.status, migrationId: r.db.definition.id, steps: r.db.steps.map((s) => ({ kind: s.kind, description: s.description, sql: s.statements })) } : null,
      notes: r.notes,
    });
  } else if (r.status === 'up-to-date') {
    out.line(`${out.style('ok', 'nothing to do')}: ${r.facts?.msbuild.name ?? 'the app'} already has passkeys${options.skipDb ? ' (database not checked: --skip-db)' : ''}`);
  } else if (options.check) {
    out.line(out.style('warn', `pending: ${r.files.length} file${r.files.length === 1 ? '' : 's'}${r.db?.status === 'pending' ? ` and ${r.db.steps.length} database step${r.db.steps.length === 1 ? '' : 's'}` : ''}`));
  }
  if (r.status === 'up-to-date') return ExitCode.ok;
  return options.check ? ExitCode.pending : ExitCode.ok;
}

/** A dirty git worktree makes the change hard to review and to undo: refuse unless --allow-dirty. */
function refuseDirtyWorktree(facts: ProjectFacts, allowDirty: boolean): void {
  if (allowDirty) return;
  let status: string;
  try {
    status = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal', '--', '.'], { cwd: facts.located.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return; // not a git worktree, or no git
  }
  const dirty = status.split('\n').filter(Boolean);
  if (dirty.length) {
    throw new UserError(`the git worktree has ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'} (${dirty.slice(0, 3).map((l) => l.slice(3)).join(', ')}${dirty.length > 3 ? ', ...' : ''})`, {
      hint: 'commit or stash them first so this change can be reviewed and undone on its own, or pass --allow-dirty',
    });
  }
}
