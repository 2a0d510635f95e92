/**
 * `passkey-migrate add`: the whole upgrade in one reviewable, reversible command. detect -> plan (files with
 * diffs, packages, SQL) -> confirm -> apply all or nothing (apply/project-apply.ts) -> summary. --check and
 * --dry-run print the same plan and stop. An interrupted (killed) run is finished from its journal.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { addJournalPath, readAddJournal, removeAddJournal, type AddJournal } from '../apply/add-journal.js';
import { removeStaleTemps } from '../apply/atomic.js';
import { explained } from '../apply/db-apply.js';
import { currentText, refuseChangedSincePlanning } from '../apply/files.js';
import { applyProject } from '../apply/project-apply.js';
import { planAddDatabase, planAddFiles, type AddPlan } from '../plan/add-plan.js';
import { keepSqliteBytes } from '../apply/sqlite-bytes.js';
import type { DbPlan } from '../plan/db-plan.js';
import { findMigrateCalls, MARIADB_MIGRATE_FAILURE, POMELO, usesPackage } from '../plan/mysql-switch.js';
import { StagedTree } from '../plan/tree.js';
import { checkAppHealth } from '../read/project/health.js';
import { type ProjectFacts } from '../read/project/index.js';
import { dbContextFor, DEFAULT_LOCK_TIMEOUT_MS, openDatabase, type DbCommandOptions } from './db-context.js';
import { confirmOrRefuse, diffsOf, fileList, listChanges, planSummary, printDiffs, printSql, refuseDirtyWorktree, relativeTo, settleConflicts } from './plan-output.js';
import { readTarget } from './target.js';
import { databaseDoc } from './json.js';

export interface AddOptions extends DbCommandOptions {
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
  ui?: string;
  manageUi?: string;
  skipUi?: boolean;
  forceUi?: boolean;
  ignorePostLogin?: boolean;
  /** the enrollment prompt on by default (--no-prompt: false) */
  prompt?: boolean;
  skipDb?: boolean;
  skipRetarget?: boolean;
  allowDirty?: boolean;
  onConflict?: string;
  aspnetVersion?: string;
  offline?: boolean;
  /** move a Pomelo app to Oracle's MySql.EntityFrameworkCore (docs/mysql.md) */
  switchMysqlProvider?: boolean;
  /** stop unless the untouched app builds and EF agrees with its migrations */
  requireCleanBuild?: boolean;
}

/** EF's bookkeeping tables: add creates those the database lacks, undo drops them again. */
const BOOKKEEPING_TABLES = ['__EFMigrationsHistory', '__EFMigrationsLock'];

/** What a --check planned from (facts and the database read), for the check cache. */
export interface CheckObservation {
  facts: ProjectFacts;
  db: DbPlan | null;
  missingTables: string[];
}

export async function add(options: AddOptions, out: Output, observe?: (seen: CheckObservation) => void): Promise<number> {
  const facts = await readTarget(options);
  const projectDir = facts.msbuild.dir;
  const rel = relativeTo(facts.located.root);
  const previous = readAddJournal(projectDir);
  const interrupted = previous && previous.status !== 'complete' ? previous : null;

  let journal: AddJournal;
  let plan: AddPlan | null = null;
  let dbTarget: string | null = null;
  if (interrupted) {
    const edited = interrupted.files.filter((f) => {
      const now = currentText(f.path);
      return now !== f.before && now !== f.after;
    });
    if (edited.length) {
      throw new UserError(
        `${edited.map((f) => rel(f.path)).join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited after the interrupted ${interrupted.command} started; passkey-migrate will not overwrite ${edited.length === 1 ? 'it' : 'them'}`,
        {
          hint: 'restore them, or remove .passkey-migrate/add.json and run add again',
        },
      );
    }
    if (options.check || options.dryRun) {
      return report(out, options, {
        status: 'pending',
        files: interrupted.files.map((f) => ({ path: rel(f.path), action: 'finish', reason: `interrupted ${interrupted.command}` })),
        db: null,
        notes: [`an earlier ${interrupted.command} was interrupted; run add --yes to finish it`],
      });
    }
    out.info(`an earlier ${interrupted.command} was interrupted (${interrupted.startedAt}); finishing it from its journal`);
    if (!(await confirmOrRefuse(options.yes, 'Finish the interrupted run?', out))) return ExitCode.ok;
    journal = interrupted;
  } else {
    if (options.requireCleanBuild) await requireCleanBuild(facts, out);
    if (options.switchMysqlProvider && !options.skipDb) await refuseMariaDbMigrate(facts, options);
    plan = await planAddFiles(facts, { ...options, keepExistingColumns: options.keepExistingColumns ?? false });
    const planned = options.skipDb ? { plan: null, missingTables: [], target: null } : await planDb(facts, options, plan);
    const { plan: db, missingTables } = planned;
    dbTarget = planned.target;
    if (db?.status === 'blocked') throw new UserError(`the database cannot be migrated as it is: ${db.blockers.join('; ')}`, { hint: 'fix it by hand, or pass --skip-db' });
    observe?.({ facts, db, missingTables });
    const pending = plan.changes.length > 0 || db?.status === 'pending';
    if (!pending) {
      return report(out, options, { status: 'up-to-date', files: [], packages: [], db, target: dbTarget, notes: plan.notes, facts });
    }
    const summary = planSummary(plan.changes, plan.packages.length, db?.status === 'pending' ? db.steps.length : 0);
    if (options.check || options.dryRun) {
      if (!out.json) await showPlan(out, plan, db, rel, options.dryRun ?? false);
      if (!out.json && options.dryRun) out.line(summary);
      return report(out, options, { status: 'pending', files: fileList(plan.changes, rel), packages: plan.packages, db, target: dbTarget, notes: plan.notes, facts });
    }
    if (!out.json) await showPlan(out, plan, db, rel, false);
    refuseDirtyWorktree(facts.located.root, options.allowDirty ?? false);
    const changes = await settleConflicts(plan.changes, options.onConflict, out, rel);
    if (
      !(await confirmOrRefuse(options.yes, 'Apply these changes?', out, {
        summary: planSummary(changes, plan.packages.length, db?.status === 'pending' ? db.steps.length : 0),
        diffs: () => diffsOf(out, changes, rel),
      }))
    ) {
      out.line('nothing changed');
      return ExitCode.ok;
    }
    // The plan was made for these texts: a file changed meanwhile is refused before anything is written.
    refuseChangedSincePlanning(changes, rel);
    journal = {
      version: 2,
      command: 'add',
      status: 'writing',
      startedAt: new Date().toISOString(),
      migrationId: plan.migrationId ?? db?.definition.id ?? null,
      productVersion: plan.productVersion,
      dbJournalDir: options.skipDb ? null : (facts.migrations?.projectDir ?? projectDir),
      keepExistingColumns: options.keepExistingColumns ?? false,
      passkeyData: plan.passkeyData,
      files: changes.map((c) => ({ path: c.path, before: c.before, after: c.after })),
      createdTables: missingTables,
    };
  }
  // Temp files and backups a killed run left next to the files it was writing.
  removeStaleTemps([path.join(projectDir, '.passkey-migrate'), ...journal.files.map((f) => path.dirname(f.path))]);

  const applied = options.skipDb || !journal.dbJournalDir ? await applyProject({ projectDir, display: rel, journal }) : await applyWithDatabase(facts, options, journal, rel);
  const result = applied.db;
  if (!journal.migrationId && result) journal.migrationId = result.plan.definition.id;

  if (out.json) {
    const reasons = new Map((plan?.changes ?? []).map((c) => [c.path, c.reason]));
    out.document({
      command: 'add',
      status: 'applied',
      migrationId: journal.migrationId,
      files: journal.files.map((f) => ({
        path: rel(f.path),
        action: f.before === null ? 'create' : 'update',
        reason: reasons.get(f.path) ?? (plan ? 'written by add' : `finishing the interrupted ${journal.command}`),
      })),
      packages: plan?.packages ?? [],
      database: result ? databaseDoc(result.plan, dbTarget, result.status) : null,
      notes: plan?.notes ?? [],
    });
    return ExitCode.ok;
  }
  // The database journal (.passkey-migrate/db) is ours; the count is of the app's files.
  const written = journal.files.filter((f) => !rel(f.path).split('/').includes('.passkey-migrate')).length;
  out.line(
    `${out.style('ok', 'done')}: ${written} file${written === 1 ? '' : 's'} written${result?.status === 'applied' ? `, ${journal.migrationId} applied to the database` : ''}.`,
  );
  out.line('Next:');
  out.line(`  passkey-migrate verify${options.project ? ` --project ${options.project}` : ''}   (build, run, and sign in with a passkey in Chromium)`);
  out.line('  git add -A && git commit -m "Add passkey sign-in (ASP.NET Core Identity schema Version3, AddPasskeySupport)"');
  out.line(out.style('dim', '  passkey-migrate undo reverts this add (files and database) while the files are unchanged.'));
  return ExitCode.ok;
}

async function applyWithDatabase(facts: ProjectFacts, options: AddOptions, journal: AddJournal, rel: (file: string) => string) {
  const ctx = await dbContextFor(facts, options);
  const { db: conn, target } = await openDatabase(ctx, options);
  // A SQLite file: its bytes from before, so that undo can give git the same file back.
  if (target.file && !journal.sqliteCopy && !existsSync(addJournalPath(facts.msbuild.dir))) {
    try {
      const kept = keepSqliteBytes(target.file, path.join(facts.msbuild.dir, '.passkey-migrate'), path.basename(target.file));
      if ('copy' in kept) journal.sqliteCopy = { db: target.file, copy: kept.copy };
    } catch {
      // no room or no right to copy: undo then rolls back with SQL only
    }
  }
  try {
    return await applyProject({
      projectDir: facts.msbuild.dir,
      display: rel,
      journal,
      database: {
        conn,
        dialect: ctx.dialect,
        plan: {
          facts,
          provider: ctx.provider,
          keepExistingColumns: journal.keepExistingColumns,
          overrides: { id: journal.migrationId, productVersion: journal.productVersion ?? undefined, passkeyData: journal.passkeyData },
        },
        lockTimeoutMs: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS,
        journalDir: journal.dbJournalDir ?? ctx.journalDir,
      },
    });
  } catch (error) {
    if (journal.sqliteCopy && !existsSync(addJournalPath(facts.msbuild.dir))) {
      rmSync(journal.sqliteCopy.copy, { force: true });
      removeAddJournal(facts.msbuild.dir); // and the folders it leaves empty
    }
    throw error;
  } finally {
    await conn.destroy();
  }
}

/** The untouched app must build and EF must agree with it, or the failures after add could not be told apart. */
async function requireCleanBuild(facts: ProjectFacts, out: Output): Promise<void> {
  const health = await out.during('building the app as it is (--require-clean-build)', () => checkAppHealth(facts));
  if (!health.build.ok) {
    throw new UserError(
      `--require-clean-build: the app does not build before passkey-migrate touches it (${health.build.errors} error${health.build.errors === 1 ? '' : 's'}; first: ${health.build.first})`,
      { hint: 'fix the build first; nothing was changed' },
    );
  }
  if ('pendingChanges' in health.efModel && health.efModel.pendingChanges) {
    throw new UserError('--require-clean-build: EF Core reports model changes that no migration has (the model snapshot is stale) before passkey-migrate touches the app', {
      hint: 'add a migration for them first (dotnet ef migrations add <Name>); nothing was changed',
    });
  }
  if ('checked' in health.efModel) out.warn(`--require-clean-build: EF's model was not checked (${health.efModel.reason})`);
}

/**
 * The database side of the plan, over one connection: the steps, and which of EF's bookkeeping tables (history,
 * SQLite lock) the database does not have yet.
 */
async function planDb(facts: ProjectFacts, options: AddOptions, plan: AddPlan): Promise<{ plan: DbPlan; missingTables: string[]; target: string }> {
  const ctx = await dbContextFor(facts, options);
  const { db, target } = await openDatabase(ctx, options);
  try {
    return await explained(ctx.dialect, db, 'read the database', async () => {
      const missingTables: string[] = [];
      for (const name of BOOKKEEPING_TABLES) if (!(await ctx.dialect.tableExists(db, { name, schema: null }))) missingTables.push(name);
      return { plan: await planAddDatabase(db, ctx.dialect, facts, plan, options.keepExistingColumns ?? false), missingTables, target: target.display };
    });
  } finally {
    await db.destroy();
  }
}

/**
 * --switch-mysql-provider on MariaDB, where the app applies its migrations itself: it would no longer start.
 * Checked first (one static read and one query), before EF's scratch build.
 */
async function refuseMariaDbMigrate(facts: ProjectFacts, options: AddOptions): Promise<void> {
  if (!usesPackage(facts, POMELO)) return;
  const calls = await findMigrateCalls(facts, StagedTree.forProject(facts.fileStyle));
  if (!calls.length) return;
  const ctx = await dbContextFor(facts, options);
  if (!ctx.dialect.serverVersion) return;
  const { db } = await openDatabase(ctx, options);
  let version: string;
  try {
    version = await ctx.dialect.serverVersion(db);
  } finally {
    await db.destroy();
  }
  if (!/mariadb/i.test(version)) return;
  throw new UserError(`the server is MariaDB (${version}) and the app calls Database.Migrate() (${calls.join(', ')}): ${MARIADB_MIGRATE_FAILURE}`, {
    hint: 'apply migrations outside the app (dotnet ef migrations script and the mariadb client) and remove that call, or run MySQL, or keep Pomelo and wait for its EF Core 10 release (PomeloFoundation/Pomelo.EntityFrameworkCore.MySql#2007); nothing was written',
  });
}

async function showPlan(out: Output, plan: AddPlan, db: DbPlan | null, rel: (file: string) => string, diffs: boolean): Promise<void> {
  if (plan.changes.length) {
    out.line(out.style('heading', 'Files:'));
    listChanges(out, plan.changes, rel);
  }
  if (plan.packages.length) {
    out.line(out.style('heading', 'Packages:'));
    for (const p of plan.packages) out.line(`  ${p.id} ${p.from} -> ${p.renamedTo ? `${p.renamedTo} ` : ''}${p.to}  ${out.style('dim', `(${p.source})`)}`);
  }
  if (db && db.status === 'pending') {
    out.line(out.style('heading', `Database (${db.definition.id}):`));
    for (const step of db.steps) {
      out.line(`  ${step.description}`);
      if (diffs) printSql(out, step.statements);
    }
  }
  for (const note of plan.notes) out.warn(note);
  if (diffs) await printDiffs(out, plan.changes, rel);
}

function report(
  out: Output,
  options: AddOptions,
  r: {
    status: 'up-to-date' | 'pending';
    files: { path: string; action: string; reason: string }[];
    packages?: AddPlan['packages'];
    db: DbPlan | null;
    target?: string | null;
    notes: string[];
    facts?: ProjectFacts;
  },
): number {
  if (out.json) {
    out.document({
      command: 'add',
      status: r.status,
      files: r.files,
      packages: r.packages ?? [],
      database: r.db ? databaseDoc(r.db, r.target ?? null) : null,
      notes: r.notes,
    });
  } else if (r.status === 'up-to-date') {
    out.line(`${out.style('ok', 'nothing to do')}: ${r.facts?.msbuild.name ?? 'the app'} already has passkeys${options.skipDb ? ' (database not checked: --skip-db)' : ''}`);
  } else if (options.check) {
    out.line(
      out.style(
        'warn',
        `pending: ${r.files.length} file${r.files.length === 1 ? '' : 's'}${r.db?.status === 'pending' ? ` and ${r.db.steps.length} database step${r.db.steps.length === 1 ? '' : 's'}` : ''}`,
      ),
    );
  }
  if (r.status === 'up-to-date') return ExitCode.ok;
  return options.check ? ExitCode.pending : ExitCode.ok;
}
