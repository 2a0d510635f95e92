/**
 * File-system failures we know the cause of, as one line each (never "this is a bug"): permissions, read-only
 * file systems, a full disk, a folder where a file should be, symlink loops.
 */
import { UserError } from './errors.js';

const CAUSES: Record<string, { what: string; hint: string }> = {
  EACCES: { what: 'permission denied', hint: 'give your user write access to it, or run where you can write' },
  EPERM: { what: 'not permitted (read-only or immutable)', hint: 'make it writable (chmod, chattr -i, or check it out for editing) and run again' },
  EROFS: { what: 'the file system is read-only', hint: 'run on a writable copy of the project' },
  ENOSPC: { what: 'no space left on the device', hint: 'free some disk space and run again' },
  EDQUOT: { what: 'the disk quota is exceeded', hint: 'free some space and run again' },
  EISDIR: { what: 'it is a folder, where a file is expected', hint: 'move the folder away and run again' },
  ENOTDIR: { what: 'a part of the path is a file, where a folder is expected', hint: 'move that file away and run again' },
  ELOOP: { what: 'a symbolic link loop', hint: 'fix the symbolic links and run again' },
  ENAMETOOLONG: { what: 'the path is too long', hint: 'move the project to a shorter path' },
  EMFILE: { what: 'too many open files', hint: 'raise the open-files limit (ulimit -n) and run again' },
  ENOENT: { what: 'it does not exist', hint: 'check the path' },
  EBUSY: { what: 'it is busy (locked by another program)', hint: 'close the program that holds it and run again' },
  ETXTBSY: { what: 'it is busy (locked by another program)', hint: 'close the program that holds it and run again' },
};

export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in CAUSES && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** A known file-system failure as a UserError naming the path and the cause; anything else is returned as is. */
export function describeFsError(error: unknown, file?: string, action: 'read' | 'write' | 'create' | 'remove' = 'write'): Error {
  if (error instanceof UserError) return error;
  const e = error as NodeJS.ErrnoException;
  const cause = e?.code ? CAUSES[e.code] : undefined;
  if (!cause) return error instanceof Error ? error : new Error(String(error));
  const target = file ?? e.path ?? 'a file';
  return new UserError(`cannot ${action} ${target}: ${cause.what} (${e.code})`, { hint: cause.hint, cause: error });
}
