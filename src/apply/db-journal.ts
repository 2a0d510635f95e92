/**
 * The database journal: what AddPasskeySupport changed, with the column types as they were before, so that
 * `db rollback` can restore them exactly. One JSON file per migration id in <project>/.passkey-migrate/db/.
 * Commit it with the migration; a column's first recorded old type is kept across re-runs.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { MigrationDefinition } from '../plan/passkey-migration.js';
import { writeFileAtomic } from './atomic.js';

export function journalPath(projectDir: string, id: string): string {
  return path.join(projectDir, '.passkey-migrate', 'db', `${id}.json`);
}

export function readJournal(projectDir: string, id: string): MigrationDefinition | null {
  const file = journalPath(projectDir, id);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as MigrationDefinition;
}

/** Records definition, keeping the earliest known old type of every column already in the journal. */
export function recordJournal(projectDir: string, definition: MigrationDefinition): void {
  const previous = readJournal(projectDir, definition.id);
  const operations = [...definition.operations];
  for (const old of previous?.operations ?? []) {
    if (old.kind !== 'alterColumn') continue;
    const same = operations.findIndex((o) => o.kind === 'alterColumn' && o.table.name === old.table.name && o.column.name === old.column.name);
    if (same >= 0) operations[same] = old;
    else operations.unshift(old);
  }
  writeFileAtomic(journalPath(projectDir, definition.id), JSON.stringify({ ...definition, operations }, null, 2) + '\n');
}

export function removeJournal(projectDir: string, id: string): void {
  rmSync(journalPath(projectDir, id), { force: true });
}
