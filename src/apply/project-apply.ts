/**
 * Applies a journaled change to the project, all or nothing: the files of the journal and, with a database, the
 * AddPasskeySupport steps. Order: check every target is writable and the disk has room; take EF's migration lock
 * and run the database steps (inside the transaction where the engine allows); then, still under the lock, write
 * the journal and the files; then commit. If anything fails (a database that cannot be changed, a file that
 * cannot be written, Ctrl-C), the files are put back, the transaction rolls back and the journal goes: the
 * project and the database are as before. A killed process leaves the journal, and the next run finishes it.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.js';
import type { Dialect } from '../db/dialect.js';
import type { DbPlanInputs } from '../plan/db-plan.js';
import { journalBytes, removeAddJournal, writeAddJournal, type AddJournal } from './add-journal.js';
import { applyDatabase, type ApplyResult } from './db-apply.js';
import { journalText } from './db-journal.js';
import { faultPoint } from './fault.js';
import { couldNotRestore, currentText, preflightWrites, restoreFiles, writeFiles, type FileWrites } from './files.js';
import { whileApplying } from './interrupt.js';

export interface ProjectApplyInputs {
  projectDir: string;
  display: (file: string) => string;
  journal: AddJournal;
  database?: {
    conn: Kysely<any>;
    dialect: Dialect;
    plan: DbPlanInputs;
    lockTimeoutMs: number;
    journalDir: string;
  } | null;
}

export async function applyProject(inputs: ProjectApplyInputs): Promise<{ db: ApplyResult | null }> {
  const { journal, projectDir, display } = inputs;
  return whileApplying(async (checkpoint) => {
    const pending = journal.files.filter((f) => currentText(f.path) !== f.after);
    // Room for the files, the journal (both texts of every file) and the database journal.
    preflightWrites(pending, display, Buffer.byteLength(journalBytes(projectDir, journal)) + 16_384, path.join(projectDir, '.passkey-migrate'));
    let writes: FileWrites | null = null;
    let stepsRan = false;
    const d = inputs.database;
    const writeAll = async () => {
      writeAddJournal(projectDir, journal);
      faultPoint('add:journal');
      await checkpoint();
      writes = await writeFiles(journal.files, { stopAt: projectDir, display, between: checkpoint });
      journal.status = 'files-written';
      writeAddJournal(projectDir, journal);
      faultPoint('add:files-written');
      await checkpoint();
    };
    try {
      let db: ApplyResult | null = null;
      if (d) {
        let dbJournal: { path: string; text: string } | null = null;
        db = await applyDatabase(d.conn, d.dialect, {
          ...d.plan,
          lockTimeoutMs: d.lockTimeoutMs,
          journalDir: d.journalDir,
          record: (definition) => {
            dbJournal = journalText(d.journalDir, definition);
            stepsRan = true;
          },
          between: checkpoint,
          whileLocked: async () => {
            // The database journal is one of the files: written, and undone, with the others.
            const entry = dbJournal as { path: string; text: string } | null;
            if (entry) {
              const known = journal.files.find((f) => f.path === entry.path);
              if (known) known.after = entry.text;
              else journal.files.push({ path: entry.path, before: currentText(entry.path), after: entry.text });
            }
            await writeAll();
          },
        });
      } else {
        await writeAll();
      }
      (writes as FileWrites | null)?.commit();
      journal.status = 'complete';
      writeAddJournal(projectDir, journal);
      faultPoint('add:complete');
      return { db };
    } catch (error) {
      // Every file of the journal back to its text before (also those an earlier, interrupted run wrote).
      const failures = (writes as FileWrites | null)?.rollback() ?? [];
      failures.push(...restoreFiles(journal.files, projectDir));
      if (failures.length) throw couldNotRestore(error, failures);
      removeAddJournal(projectDir);
      if (d && stepsRan && !d.dialect.transactionalDdl && error instanceof UserError) {
        throw new UserError(
          `${error.message.replace(/; nothing (was )?changed$/, '')}; the files are as before, but ${d.dialect.label} commits each schema change at once, so the database may be part-way (run add again to finish, or db rollback to undo it)`,
          { hint: error.hint, exitCode: error.exitCode, cause: error },
        );
      }
      throw error;
    }
  });
}
