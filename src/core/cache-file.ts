/** Writing one file of our cache folder: whole or not at all (a temp file renamed over it); failure only costs time. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `data` to `file`; `private`: the folder and file readable by the user only. Returns whether it was written. */
export function writeCacheFile(file: string, data: string | Buffer, options: { private?: boolean } = {}): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true, ...(options.private ? { mode: 0o700 } : {}) });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data, options.private ? { mode: 0o600 } : {});
    renameSync(temp, file);
    return true;
  } catch {
    return false;
  }
}
