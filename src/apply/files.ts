/**
 * Writes a plan's files, all or nothing: before the first byte, every target file and folder is checked to be
 * writable and the disk to have room; then each file is written atomically (apply/atomic.ts); if any write
 * fails, the files already written get their old text back (new ones and the folders made for them are
 * removed) before the error is reported.
 */
import { accessSync, constants, linkSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { describeFsError } from '../core/fs-errors.js';
import type { FileChange } from '../plan/file-change.js';
import { ensureFolder, writeFileAtomic } from './atomic.js';
import { faultPoint } from './fault.js';

/** A file's text as it is now (with its BOM), or null when it does not exist. */
export function currentText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw describeFsError(error, file, 'read');
  }
}

/** Refuses when a file changed between planning and writing: the plan was made for the old text. */
export function refuseChangedSincePlanning(changes: Pick<FileChange, 'path' | 'before'>[], display: (file: string) => string = (f) => f): void {
  for (const change of changes) {
    if (currentText(change.path) !== change.before) throw new UserError(`${display(change.path)} changed while passkey-migrate was planning; run it again`);
  }
}

function nearestFolder(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      if (statSync(current).isDirectory()) return current;
    } catch {
      // not there yet: its parent gets the new folder
    }
    if (path.dirname(current) === current) return current;
  }
}

/**
 * Every target writable, and room for the new texts plus `extraBytes` (the journal) on each disk, or one line
 * naming the first problem. Nothing is written.
 */
export function preflightWrites(changes: Pick<FileChange, 'path' | 'after'>[], display: (file: string) => string, extraBytes = 0, extraFolder?: string): void {
  const needByDevice = new Map<number, { bytes: number; folder: string }>();
  const checked = new Set<string>();
  const add = (folder: string, bytes: number) => {
    const dev = statSync(folder).dev;
    const entry = needByDevice.get(dev) ?? { bytes: 0, folder };
    // A file is written next to itself before the old one goes: count the whole new text, and a block per file.
    entry.bytes += bytes + 4096;
    needByDevice.set(dev, entry);
  };
  for (const change of changes) {
    const folder = nearestFolder(path.dirname(change.path));
    let exists = false;
    try {
      statSync(change.path);
      exists = true;
    } catch {
      // a new file
    }
    if (exists) checkAccess(change.path, display(change.path), 'file');
    if (!checked.has(folder)) {
      checkAccess(folder, display(folder) || '.', 'folder');
      checked.add(folder);
    }
    add(folder, Buffer.byteLength(change.after, 'utf8'));
  }
  if (extraFolder) {
    const folder = nearestFolder(extraFolder);
    if (!checked.has(folder)) checkAccess(folder, display(folder) || '.', 'folder');
    add(folder, extraBytes);
  }
  for (const { bytes, folder } of needByDevice.values()) {
    let free: number;
    try {
      const fs = statfsSync(folder);
      free = Number(fs.bavail) * Number(fs.bsize);
    } catch {
      continue; // a file system that cannot tell: the writes themselves are checked
    }
    if (free < bytes) {
      throw new UserError(`not enough disk space to write the plan: ${kb(bytes)} needed on the disk of ${display(folder) || '.'}, ${kb(free)} free`, {
        hint: 'free some disk space and run again; nothing was changed',
      });
    }
  }
}

function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function checkAccess(target: string, shown: string, kind: 'file' | 'folder'): void {
  try {
    accessSync(target, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EPERM' ? 'is read-only (immutable, or not permitted)' : 'is not writable';
    throw new UserError(`cannot write ${kind === 'folder' ? 'into the folder ' : ''}${shown}: it ${why} (${code}); nothing was changed`, {
      hint: kind === 'folder' ? 'make the folder writable and run again' : 'make the file writable (or check it out for editing) and run again',
    });
  }
}

export interface WrittenFile {
  path: string;
  before: string | null;
  after: string;
}

/** Files written and not yet committed: `rollback` puts every one back, `commit` drops the backups. */
export interface FileWrites {
  rollback(): string[];
  commit(): void;
}

/**
 * Puts files back to their text before: from the hard-link backup taken before the write where there is one
 * (needs no disk space), else by writing the old text (or removing a file that did not exist). Files already at
 * their old text are left alone; folders left empty go, up to stopAt. Returns the files it could not restore.
 */
export function restoreFiles(files: WrittenFile[], stopAt: string, backups: Map<string, string> = new Map(), folders: string[] = []): string[] {
  const failures: string[] = [];
  for (const file of [...files].reverse()) {
    const backup = backups.get(file.path);
    try {
      if (backup) {
        renameSync(backup, file.path);
        backups.delete(file.path);
        continue;
      }
      if (currentText(file.path) === file.before) continue;
      if (file.before === null) {
        rmSync(file.path, { force: true });
        removeEmptyFolders(path.dirname(file.path), stopAt);
      } else {
        writeFileAtomic(file.path, file.before);
      }
    } catch (error) {
      failures.push(`${file.path}: ${(error as Error).message}`);
    }
  }
  for (const folder of [...folders].reverse()) {
    try {
      rmdirSync(folder);
    } catch {
      // not empty (a file of the user's), or gone already
    }
  }
  return failures;
}

/**
 * Writes the files one by one (skipping those already at their new text) and returns a handle to roll them all
 * back or keep them. Each file replaced is first hard-linked to a backup next to it, so a rollback needs no disk
 * space (a full disk cannot stop it); where links are not possible the old text is written back instead. When a
 * write fails, what was written is rolled back and the failure thrown. `between` runs after each file.
 */
export async function writeFiles(files: WrittenFile[], options: { stopAt: string; display?: (file: string) => string; between?: () => Promise<void> | void }): Promise<FileWrites> {
  const backups = new Map<string, string>();
  const folders: string[] = [];
  const handle: FileWrites = {
    rollback: () => restoreFiles(files, options.stopAt, backups, folders),
    commit: () => {
      for (const backup of backups.values()) rmSync(backup, { force: true });
      backups.clear();
    },
  };
  try {
    for (const file of files) {
      if (currentText(file.path) === file.after) continue;
      folders.push(...ensureFolder(path.dirname(file.path)));
      if (file.before !== null) {
        const backup = backupName(file.path);
        try {
          rmSync(backup, { force: true });
          linkSync(file.path, backup);
          backups.set(file.path, backup);
        } catch {
          // no hard links here (FAT, some network shares): the rollback writes the old text instead
        }
      }
      try {
        writeFileAtomic(file.path, file.after);
      } catch (error) {
        throw describeFsError((error as Error).cause ?? error, options.display?.(file.path) ?? file.path, 'write');
      }
      faultPoint('file');
      await options.between?.();
    }
  } catch (error) {
    const failures = handle.rollback();
    if (failures.length) throw couldNotRestore(error, failures);
    throw error;
  }
  return handle;
}

export function couldNotRestore(error: unknown, failures: string[]): UserError {
  return new UserError(`${(error as Error).message}; and ${failures.length} file${failures.length === 1 ? '' : 's'} could not be put back: ${failures.join('; ')}`, {
    hint: 'run passkey-migrate undo, or restore them with git',
    cause: error,
  });
}

function backupName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.pkm-${process.pid}.bak`);
}

/** Folders left empty by removing a file go too, up to (not including) stop. */
export function removeEmptyFolders(dir: string, stop: string): void {
  for (let current = dir; current.startsWith(stop) && current !== stop; current = path.dirname(current)) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
  }
}

/** The simple case: check, then write all or nothing. */
export async function applyFileChanges(changes: FileChange[], options: { stopAt: string; display: (file: string) => string }): Promise<void> {
  refuseChangedSincePlanning(changes, options.display);
  preflightWrites(changes, options.display);
  (await writeFiles(changes, { stopAt: options.stopAt, display: options.display })).commit();
}
