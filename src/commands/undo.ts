/**
 * `passkey-migrate undo`: reverts the last `add` (or `upgrade`, `scaffold`) from its journal: the database rolled
 * back first (exactly, from the database journal), then every file restored to its text before (new files
 * removed). Refuses, naming them, when files were edited since, and checks every file can be written before the
 * database is touched; nothing is changed then.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { restoreSqliteBytes } from '../apply/sqlite-bytes.js';
import { ExitCode, UserError } from '../core/errors.js';
import { Output } from '../core/output.js';
import { readAddJournal, removeAddJournal } from '../apply/add-journal.js';
import { removeStaleTemps } from '../apply/atomic.js';
import { dropIfEmpty } from '../apply/db-apply.js';
import { couldNotRestore, currentText, preflightWrites, restoreFiles } from '../apply/files.js';
import { type ProjectFacts } from '../read/project/index.js';
import { dbRollback } from './db-rollback.js';
import { dbContextFor, openDatabase } from './db-context.js';
import type { DatabaseDoc } from './json.js';
import { confirmOrRefuse, refuseDirtyWorktree, relativeTo } from './plan-output.js';
import { readTarget, type TargetOptions } from './target.js';

export interface UndoOptions extends TargetOptions {
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
  allowDirty?: boolean;
  force?: boolean;
  skipDb?: boolean;
}

export async function undo(options: UndoOptions, out: Output): Promise<number> {
  const facts = await readTarget(options);
  const projectDir = facts.msbuild.dir;
  const rel = relativeTo(facts.located.root);
  const journal = readAddJournal(projectDir);
  if (!journal) {
    if (options.check) {
      if (out.json) out.document({ command: 'undo', status: 'up-to-date', files: [], migrationId: null });
      else out.line('nothing to undo: no journal (.passkey-migrate/add.json) in this project');
      return ExitCode.ok;
    }
    throw new UserError('nothing to undo: no journal (.passkey-migrate/add.json) in this project', { code: 'nothing-to-undo' });
  }
  const edited = journal.files.filter((f) => {
    const now = currentText(f.path);
    return now !== f.after && now !== f.before;
  });
  if (edited.length) {
    throw new UserError(
      `refusing to undo: ${edited.length} file${edited.length === 1 ? ' was' : 's were'} edited after ${journal.command}: ${edited.map((f) => rel(f.path)).join(', ')}`,
      {
        hint: 'revert those edits first (or undo by hand with git)',
      },
    );
  }
  const withDb = Boolean(journal.dbJournalDir) && !options.skipDb;
  // The database journal (.passkey-migrate/db) is ours; the count is of the app's files.
  const count = journal.files.filter((f) => !rel(f.path).split('/').includes('.passkey-migrate')).length;
  const files = journal.files.map((f) => ({ path: rel(f.path), action: f.before === null ? 'delete' : 'restore', reason: `written by ${journal.command}` }));
  if (!out.json) out.line(`undo the ${journal.command} of ${journal.startedAt}: ${count} files${withDb ? ` and ${journal.migrationId ?? 'the migration'} in the database` : ''}`);
  if (options.check || options.dryRun) {
    if (out.json)
      out.document({
        command: 'undo',
        status: 'pending',
        files,
        migrationId: journal.migrationId,
        database: withDb ? { target: null, status: 'pending', migrationId: journal.migrationId, productVersion: journal.productVersion, steps: [], problems: [] } : null,
      });
    else for (const f of files) out.line(`  ${f.action.padEnd(7)} ${f.path}`);
    return options.check ? ExitCode.pending : ExitCode.ok;
  }
  // The journal's own files are the change being undone: any other uncommitted change is refused.
  const ours = new Set([...journal.files.map((f) => f.path), ...(journal.sqliteCopy ? [journal.sqliteCopy.db, `${journal.sqliteCopy.db}-journal`] : [])]);
  refuseDirtyWorktree(facts.located.root, options.allowDirty ?? false, (file: string) => ours.has(file) || file.split(path.sep).includes('.passkey-migrate'));
  if (!(await confirmOrRefuse(options.yes, 'Undo?', out))) return ExitCode.ok;

  removeStaleTemps([path.join(projectDir, '.passkey-migrate'), ...journal.files.map((f) => path.dirname(f.path))]);
  // Every file must be writable before the database is rolled back.
  preflightWrites(
    journal.files.filter((f) => f.before !== null && currentText(f.path) !== f.before).map((f) => ({ path: f.path, after: f.before! })),
    rel,
  );
  let rolledBack: DatabaseDoc | null = null;
  if (withDb) {
    // The rollback's own document (its database part goes into ours).
    let written = '';
    const quiet = new Output({ json: true }, { write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream, devNull());
    await dbRollback({ project: options.project, startupProject: options.startupProject, connection: options.connection, force: options.force }, quiet);
    rolledBack = (JSON.parse(written) as { database: DatabaseDoc }).database;
    if (journal.createdTables.length) await dropEmptyTables(facts, options, journal.createdTables);
  }
  // A SQLite file gets its bytes back when its content is what it was (else git would see freed pages as a change).
  let bytes: string | null = null;
  if (journal.sqliteCopy) {
    const outcome = withDb ? await restoreSqliteBytes(journal.sqliteCopy.db, journal.sqliteCopy.copy) : 'no-copy';
    if (outcome === 'content-differs')
      bytes = `${rel(journal.sqliteCopy.db)} was written to since ${journal.command} (its rows are not all as they were), so its bytes stay; git may show it as changed`;
    if (outcome === 'busy') bytes = `${rel(journal.sqliteCopy.db)} is in use, so only its content was restored, not its bytes; git may show it as changed`;
    rmSync(journal.sqliteCopy.copy, { force: true });
  }
  const failures = restoreFiles(journal.files, projectDir);
  if (failures.length) throw couldNotRestore(new Error('undo could not restore every file'), failures);
  removeAddJournal(projectDir);
  if (out.json) out.document({ command: 'undo', status: 'applied', files, migrationId: journal.migrationId, database: rolledBack });
  else out.line(`${out.style('ok', 'undone')}: ${count} files restored${withDb ? ', database rolled back' : ''}`);
  if (bytes) out.warn(bytes);
  return ExitCode.ok;
}

/** EF's bookkeeping tables that add created: dropped again when nothing else has written to them. */
async function dropEmptyTables(facts: ProjectFacts, options: UndoOptions, tables: string[]): Promise<void> {
  const ctx = await dbContextFor(facts, { connection: options.connection });
  const { db } = await openDatabase(ctx, {});
  try {
    for (const name of tables) await dropIfEmpty(db, ctx.dialect, { name, schema: null });
  } finally {
    await db.destroy();
  }
}

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
