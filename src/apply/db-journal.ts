/**
 * The database journal: what AddPasskeySupport changed, with the column types as they were before, so that
 * `db rollback` can restore them exactly. One JSON file per migration id in <project>/.passkey-migrate/db/.
 * Commit it with the migration; a column's first recorded old type is kept across re-runs.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type { MigrationDefinition } from '../plan/passkey-migration.js';
import { writeFileAtomic } from './atomic.js';

export function journalPath(projectDir: string, id: string): string {
  return path.join(projectDir, '.passkey-migrate', 'db', `${id}.json`);
}

export function readJournal(projectDir: string, id: string): MigrationDefinition | null {
  const file = journalPath(projectDir, id);
  if (!existsSync(file)) return null;
  let value: MigrationDefinition;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as MigrationDefinition;
  } catch (error) {
    throw new UserError(`the database journal ${file} is damaged (${(error as Error).message})`, {
      hint: 'restore it from version control; without it db rollback only drops the passkeys table (delete the file to allow that)',
    });
  }
  if (!value || value.id !== id || !Array.isArray(value.operations)) {
    throw new UserError(`the database journal ${file} is not one passkey-migrate wrote (no operations for ${id})`, { hint: 'restore it from version control, or delete it' });
  }
  return value;
}

/** The journal's text for definition, keeping the earliest known old type of every column already recorded. */
export function journalText(projectDir: string, definition: MigrationDefinition): { path: string; text: string } {
  const previous = readJournal(projectDir, definition.id);
  const operations = [...definition.operations];
  for (const old of previous?.operations ?? []) {
    if (old.kind !== 'alterColumn') continue;
    const same = operations.findIndex((o) => o.kind === 'alterColumn' && o.table.name === old.table.name && o.column.name === old.column.name);
    if (same >= 0) operations[same] = old;
    else operations.unshift(old);
  }
  return { path: journalPath(projectDir, definition.id), text: JSON.stringify({ ...definition, operations }, null, 2) + '\n' };
}

export function recordJournal(projectDir: string, definition: MigrationDefinition): void {
  const { path: file, text } = journalText(projectDir, definition);
  writeFileAtomic(file, text);
}

export function removeJournal(projectDir: string, id: string): void {
  rmSync(journalPath(projectDir, id), { force: true });
}
