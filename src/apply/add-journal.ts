/**
 * The journal of one change to the project (`add`, `upgrade`, `scaffold`): every file's text before and after,
 * written atomically before the first file is touched. An interrupted run is finished from it (files still at
 * "before" get "after"); `undo` restores "before". Paths are relative to the project folder, so the project can
 * be moved or cloned. It lives in <project>/.passkey-migrate/add.json until `undo` (or the user) removes it.
 */
import type { PasskeyDataShape } from '../model/schema.js';
import { readFileSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';

export type JournalStatus = 'writing' | 'files-written' | 'complete';

export interface JournalFile {
  /** absolute, once read (relative to the project folder on disk) */
  path: string;
  before: string | null;
  after: string;
}

export interface AddJournal {
  version: 2;
  /** the command that wrote it: add, upgrade or scaffold */
  command: string;
  status: JournalStatus;
  startedAt: string;
  migrationId: string | null;
  /** the EF Core version of the migration files (the history row gets the same) */
  productVersion: string | null;
  /** where the database journal lives (db rollback reads it); null when the database is not part of it */
  dbJournalDir: string | null;
  keepExistingColumns: boolean;
  /** how the migrated model stores the passkey data (columns: Oracle's MySQL provider); json when absent */
  passkeyData?: PasskeyDataShape;
  files: JournalFile[];
  /** EF's bookkeeping tables that did not exist before (undo drops them again when they are empty) */
  createdTables: string[];
  /** a SQLite database file and the copy of its bytes from before add (undo writes them back when the content is equal) */
  sqliteCopy?: { db: string; copy: string } | null;
}

export function addJournalPath(projectDir: string): string {
  return path.join(projectDir, '.passkey-migrate', 'add.json');
}

const STATUSES: JournalStatus[] = ['writing', 'files-written', 'complete'];

function damaged(file: string, why: string): UserError {
  return new UserError(`the journal ${file} is damaged (${why}), so passkey-migrate cannot tell what the last run changed`, {
    hint: 'restore it from version control, or delete it and check the project with git status / git diff',
  });
}

export function readAddJournal(projectDir: string): AddJournal | null {
  const file = addJournalPath(projectDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw damaged(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw damaged(file, (error as Error).message);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw damaged(file, 'not a JSON object');
  if (raw.version !== 1 && raw.version !== 2) throw damaged(file, `unknown version ${JSON.stringify(raw.version)}`);
  if (!STATUSES.includes(raw.status as JournalStatus)) throw damaged(file, `unknown status ${JSON.stringify(raw.status)}`);
  if (!Array.isArray(raw.files)) throw damaged(file, 'no file list');
  const files: JournalFile[] = [];
  for (const [i, f] of (raw.files as unknown[]).entries()) {
    const entry = f as Record<string, unknown>;
    if (!entry || typeof entry.path !== 'string' || typeof entry.after !== 'string' || (entry.before !== null && typeof entry.before !== 'string')) {
      throw damaged(file, `file entry ${i + 1} is incomplete`);
    }
    // Version 1 stored absolute paths.
    files.push({ path: path.resolve(projectDir, entry.path), before: entry.before as string | null, after: entry.after });
  }
  const dbDir = typeof raw.dbJournalDir === 'string' ? path.resolve(projectDir, raw.dbJournalDir) : null;
  return {
    version: 2,
    command: typeof raw.command === 'string' ? raw.command : 'add',
    status: raw.status as JournalStatus,
    startedAt: typeof raw.startedAt === 'string' ? raw.startedAt : '?',
    migrationId: typeof raw.migrationId === 'string' ? raw.migrationId : null,
    productVersion: typeof raw.productVersion === 'string' ? raw.productVersion : null,
    dbJournalDir: dbDir,
    keepExistingColumns: raw.keepExistingColumns === true,
    passkeyData: raw.passkeyData === 'columns' ? 'columns' : 'json',
    files,
    createdTables: Array.isArray(raw.createdTables) ? (raw.createdTables as unknown[]).filter((t): t is string => typeof t === 'string') : [],
    sqliteCopy: copyOf(raw.sqliteCopy, projectDir),
  };
}

function copyOf(value: unknown, projectDir: string): AddJournal['sqliteCopy'] {
  const v = value as { db?: unknown; copy?: unknown } | null | undefined;
  return v && typeof v.db === 'string' && typeof v.copy === 'string' ? { db: path.resolve(projectDir, v.db), copy: path.resolve(projectDir, v.copy) } : null;
}

/** The journal on disk: paths relative to the project, written atomically. */
export function journalBytes(projectDir: string, journal: AddJournal): string {
  const rel = (file: string) => path.relative(projectDir, file).split(path.sep).join('/');
  return (
    JSON.stringify(
      {
        ...journal,
        dbJournalDir: journal.dbJournalDir === null ? null : rel(journal.dbJournalDir) || '.',
        files: journal.files.map((f) => ({ ...f, path: rel(f.path) })),
        sqliteCopy: journal.sqliteCopy ? { db: rel(journal.sqliteCopy.db), copy: rel(journal.sqliteCopy.copy) } : null,
      },
      null,
      1,
    ) + '\n'
  );
}

export function writeAddJournal(projectDir: string, journal: AddJournal): void {
  writeFileAtomic(addJournalPath(projectDir), journalBytes(projectDir, journal));
}

export function removeAddJournal(projectDir: string): void {
  rmSync(addJournalPath(projectDir), { force: true });
  // Leave no empty folders behind.
  for (const dir of [path.join(projectDir, '.passkey-migrate', 'db'), path.join(projectDir, '.passkey-migrate')]) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty, or not there
    }
  }
}
