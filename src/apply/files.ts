/**
 * Writes a plan's files: every new text is computed before this runs; each file is written atomically
 * (temp + fsync + rename), so a file is either the old one or the new one, never half.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { FileChange } from '../plan/file-change.js';
import { writeFileAtomic } from './atomic.js';
import { faultPoint } from './fault.js';

export function applyFileChanges(changes: FileChange[]): void {
  // Refuse when a file changed between planning and writing: the plan was made for the old text.
  for (const change of changes) {
    const now = existsSync(change.path) ? readFileSync(change.path, 'utf8') : null;
    if (now !== change.before) throw new UserError(`${change.path} changed while passkey-migrate was planning; run it again`);
  }
  for (const change of changes) {
    writeFileAtomic(change.path, change.after);
    faultPoint('file');
  }
}
