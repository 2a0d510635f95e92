/**
 * Writes a plan's files: every new text is computed before this runs; each file is written atomically
 * (temp + fsync + rename), so a file is either the old one or the new one, never half.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { FileChange } from '../plan/file-change.js';
import { writeFileAtomic } from './atomic.js';
import { faultPoint } from './fault.js';

/** A file's text as it is now, or null when it does not exist. */
export function currentText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Refuses when a file changed between planning and writing: the plan was made for the old text. */
export function refuseChangedSincePlanning(changes: Pick<FileChange, 'path' | 'before'>[], display: (file: string) => string = (f) => f): void {
  for (const change of changes) {
    if (currentText(change.path) !== change.before) throw new UserError(`${display(change.path)} changed while passkey-migrate was planning; run it again`);
  }
}

export function applyFileChanges(changes: FileChange[]): void {
  refuseChangedSincePlanning(changes);
  for (const change of changes) {
    writeFileAtomic(change.path, change.after);
    faultPoint('file');
  }
}
