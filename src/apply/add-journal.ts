/**
 * The journal of one `add`: every file's text before and after, written before the first file is touched.
 * An interrupted `add` is finished from it (files still at "before" get "after"); `undo` restores "before".
 * It lives in <project>/.passkey-migrate/add.json until `undo` (or the user) removes it.
 */
import { existsSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

export interface AddJournal {
  version: 1;
  status: 'writing' | 'files-written' | 'complete';
  startedAt: string;
  migrationId: string | null;
  /** where the database journal lives (db rollback reads it) */
  dbJournalDir: string | null;
  files: { path: string; before: string | null; after: string }[];
  /** EF's bookkeeping tables that did not exist before add (undo drops them again when they are empty) */
  createdTables?: string[];
}

export function addJournalPath(projectDir: string): string {
  return path.join(projectDir, '.passkey-migrate', 'add.json');
}

export function readAddJournal(projectDir: string): AddJournal | null {
  const file = addJournalPath(projectDir);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as AddJournal;
}

export function writeAddJournal(projectDir: string, journal: AddJournal): void {
  writeFileAtomic(addJournalPath(projectDir), JSON.stringify(journal, null, 1) + '\n');
}

export function removeAddJournal(projectDir: string): void {
  const file = addJournalPath(projectDir);
  rmSync(file, { force: true });
  // Leave no empty folders behind.
  for (const dir of [path.join(projectDir, '.passkey-migrate', 'db'), path.join(projectDir, '.passkey-migrate')]) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty, or not there
    }
  }
}
