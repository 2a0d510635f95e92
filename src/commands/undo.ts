/**
 * `passkey-migrate undo`: reverts the last `add` from its journal: the database rolled back first (exactly, from
 * the database journal), then every file restored to its text before add (new files removed). Refuses, naming
 * them, when files were edited since; nothing is changed then.
 */
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import { Output } from '../core/output.js';
import { readAddJournal, removeAddJournal } from '../apply/add-journal.js';
import { writeFileAtomic } from '../apply/atomic.js';
import { currentText } from '../apply/files.js';
import { readProject, type ProjectFacts } from '../read/project/index.js';
import { dbRollback } from './db-rollback.js';
import { dbContextFor, openDatabase } from './db-context.js';
import { confirmOrRefuse, relativeTo } from './plan-output.js';

export interface UndoOptions {
  project?: string;
  yes?: boolean;
  force?: boolean;
  skipDb?: boolean;
  connection?: string;
}

export async function undo(options: UndoOptions, out: Output): Promise<number> {
  const facts = await readProject({ project: options.project, connection: options.connection });
  const projectDir = facts.msbuild.dir;
  const rel = relativeTo(facts.located.root);
  const journal = readAddJournal(projectDir);
  if (!journal) throw new UserError('nothing to undo: no add journal (.passkey-migrate/add.json) in this project');
  const edited = journal.files.filter((f) => {
    const now = currentText(f.path);
    return now !== f.after && now !== f.before;
  });
  if (edited.length) {
    throw new UserError(`refusing to undo: ${edited.length} file${edited.length === 1 ? ' was' : 's were'} edited after add: ${edited.map((f) => rel(f.path)).join(', ')}`, {
      hint: 'revert those edits first (or undo by hand with git)',
    });
  }
  if (!out.json) out.line(`undo the add of ${journal.startedAt}: ${journal.files.length} files${journal.dbJournalDir && !options.skipDb ? ` and ${journal.migrationId ?? 'the migration'} in the database` : ''}`);
  if (!(await confirmOrRefuse(options.yes, 'Undo?'))) return ExitCode.ok;

  if (journal.dbJournalDir && !options.skipDb) {
    const quiet = new Output({ json: true }, devNull(), devNull());
    await dbRollback({ project: options.project, connection: options.connection, force: options.force }, quiet);
    if (journal.createdTables?.length) await dropEmptyTables(facts, options, journal.createdTables);
  }
  for (const f of [...journal.files].reverse()) {
    if (f.before === null) {
      rmSync(f.path, { force: true });
      removeEmptyFolders(path.dirname(f.path), projectDir);
    } else writeFileAtomic(f.path, f.before);
  }
  removeAddJournal(projectDir);
  if (out.json) out.document({ command: 'undo', status: 'undone', files: journal.files.map((f) => rel(f.path)), migrationId: journal.migrationId });
  else out.line(`${out.style('ok', 'undone')}: ${journal.files.length} files restored${journal.dbJournalDir && !options.skipDb ? ', database rolled back' : ''}`);
  return ExitCode.ok;
}

/** EF's bookkeeping tables that add created: dropped again when nothing else has written to them. */
async function dropEmptyTables(facts: ProjectFacts, options: UndoOptions, tables: string[]): Promise<void> {
  const { sql } = await import('kysely');
  const ctx = await dbContextFor(facts, { connection: options.connection });
  const { db } = await openDatabase(ctx, {});
  try {
    for (const name of tables) {
      const ref = { name, schema: null };
      if (!(await ctx.dialect.tableExists(db, ref))) continue;
      const rows = await sql<{ n: number | string }>`select count(*) as n from ${sql.raw(ctx.dialect.quoteTable(ref))}`.execute(db);
      if (Number(rows.rows[0]?.n ?? 0) === 0) await sql.raw(`DROP TABLE ${ctx.dialect.quoteTable(ref)}`).execute(db);
    }
  } finally {
    await db.destroy();
  }
}

/** Folders add created for its new files go again when they are left empty (up to the project folder). */
function removeEmptyFolders(dir: string, stop: string): void {
  for (let current = dir; current.startsWith(stop) && current !== stop; current = path.dirname(current)) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
  }
}

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
