/**
 * Whole-file writes that cannot lie: the bytes go to a sibling temp file in a loop until every byte is written,
 * the file is fsynced and its size checked, then it is renamed over the target and the folder is fsynced. On any
 * failure the temp file is removed and the target is untouched. A temp file left by a killed process
 * (`.<name>.pkm-<pid>.tmp`, and the rollback backups `.<name>.pkm-<pid>.bak`) is removed by the next run
 * (`removeStaleTemps`).
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../core/fs-errors.js';
import { faultPoint } from './fault.js';

const TEMP = /^\..+\.pkm-(\d+)\.(?:tmp|bak)$|^\..+\.(\d+)\.tmp$/;

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.pkm-${process.pid}.tmp`);
}

/** Creates the folders a file needs; returns those it created (outermost first), for a rollback to remove. */
export function ensureFolder(dir: string): string[] {
  const created: string[] = [];
  let current = dir;
  const missing: string[] = [];
  for (;;) {
    try {
      if (statSync(current).isDirectory()) break;
    } catch {
      missing.unshift(current);
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
      continue;
    }
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      created.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw describeFsError(error, folder, 'create');
    }
  }
  return created;
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const dir = path.dirname(file);
  ensureFolder(dir);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const temp = tempName(file);
  let mode: number | undefined;
  try {
    mode = statSync(file).mode & 0o7777;
  } catch {
    // a new file
  }
  let fd: number | undefined;
  try {
    rmSync(temp, { force: true });
    fd = openSync(temp, 'wx', mode ?? 0o666);
    if (mode !== undefined) chmodSync(temp, mode); // the umask must not change the user's permissions
    let offset = 0;
    const half = bytes.length >> 1;
    while (offset < bytes.length) {
      const end = offset < half ? half : bytes.length;
      const written = writeSync(fd, bytes, offset, end - offset);
      if (written <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO', syscall: 'write' });
      offset += written;
      if (offset === half) faultPoint('write');
    }
    fsyncSync(fd);
    const size = fstatSync(fd).size;
    if (size !== bytes.length) throw Object.assign(new Error(`wrote ${size} of ${bytes.length} bytes`), { code: 'EIO', syscall: 'write' });
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    rmSync(temp, { force: true });
    throw describeFsError(error, file, 'write');
  }
  syncFolder(dir);
}

/** fsync a folder so a rename in it survives a power cut (not possible on every platform: then skipped). */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems cannot fsync a folder.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files that killed runs left in these folders (never one of a running process). */
export function removeStaleTemps(dirs: Iterable<string>): string[] {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      const match = TEMP.exec(name);
      if (!match) continue;
      const pid = Number(match[1] ?? match[2]);
      if (alive(pid)) continue;
      try {
        rmSync(path.join(dir, name), { force: true });
        removed.push(path.join(dir, name));
      } catch {
        // leave it; it does no harm
      }
    }
  }
  return removed;
}
