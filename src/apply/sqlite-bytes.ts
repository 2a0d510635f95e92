/**
 * SQLite files in version control. Dropping what add created gives the database its content back, but not its
 * bytes: SQLite reuses the freed pages, so `git status` would call app.db modified. So add keeps a copy of the
 * file as it was (rollback-journal databases up to 64 MB, no WAL in use), and undo, once it has rolled back with
 * SQL, compares the content of the live database with the copy's (schema and every row) while holding an
 * exclusive lock; only when they are equal are the copy's bytes written back into the same file. When anything
 * was written meanwhile (a user registered), the content differs and the bytes stay: data is never lost.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { openSqliteFile, type SqliteHandle } from '../db/engines/sqlite/driver.js';

export const MAX_COPY_BYTES = 64 * 1024 * 1024;

/** Copies the database file when its bytes alone are the database; returns the copy's path, or why not. */
export function keepSqliteBytes(dbFile: string, copyDir: string, id: string): { copy: string } | { skipped: string } {
  if (!existsSync(dbFile)) return { skipped: 'the database file does not exist yet' };
  const size = statSync(dbFile).size;
  if (size > MAX_COPY_BYTES) return { skipped: `the database is larger than ${MAX_COPY_BYTES / 1024 / 1024} MB` };
  const wal = `${dbFile}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) return { skipped: 'the database is in WAL mode with pages not yet checkpointed' };
  const header = readFileSync(dbFile).subarray(0, 20);
  if (header.length === 20 && (header[18] === 2 || header[19] === 2)) return { skipped: 'the database is in WAL mode' };
  mkdirSync(copyDir, { recursive: true });
  const copy = path.join(copyDir, `${id}.sqlite-before`);
  copyFileSync(dbFile, copy);
  return { copy };
}

/** Schema and every row, in a fixed order. */
function contentDigest(db: SqliteHandle): string {
  const hash = createHash('sha256');
  const objects = db.prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as {
    type: string;
    name: string;
    sql: string | null;
  }[];
  for (const o of objects) {
    hash.update(JSON.stringify(o));
    if (o.type !== 'table') continue;
    const quoted = `"${o.name.replace(/"/g, '""')}"`;
    const columns = (db.prepare(`pragma table_info(${quoted})`).all() as { name: string }[]).map((c) => `"${c.name.replace(/"/g, '""')}"`);
    const rows = db
      .prepare(`select * from ${quoted} order by ${columns.join(', ') || 'rowid'}`)
      .safeIntegers()
      .all();
    for (const row of rows)
      hash.update(JSON.stringify(Object.values(row), (_k, v) => (v instanceof Uint8Array ? `b:${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? `n:${v}` : v)));
  }
  hash.update(String(Object.values(db.prepare('pragma user_version').get() ?? {})[0]));
  return hash.digest('hex');
}

/**
 * After the rollback: the copy's bytes back into the database file when the contents are equal. Returns what
 * happened, for the summary.
 */
export async function restoreSqliteBytes(dbFile: string, copy: string): Promise<'restored' | 'content-differs' | 'no-copy' | 'busy'> {
  if (!existsSync(copy) || !existsSync(dbFile)) return 'no-copy';
  const before = await openSqliteFile(copy, { readonly: true });
  let expected: string;
  try {
    expected = contentDigest(before);
  } finally {
    before.close();
  }
  const live = await openSqliteFile(dbFile, { timeout: 2000 });
  try {
    try {
      live.exec('begin exclusive');
    } catch {
      return 'busy';
    }
    try {
      if (contentDigest(live) !== expected) return 'content-differs';
      // Same content: the old bytes, written into the same file (other connections see the change counter move).
      const bytes = readFileSync(copy);
      const fd = openSync(dbFile, 'r+');
      try {
        writeSync(fd, bytes, 0, bytes.length, 0);
        ftruncateSync(fd, bytes.length);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return 'restored';
    } finally {
      try {
        live.exec('rollback');
      } catch {
        // nothing was written through this connection
      }
    }
  } finally {
    live.close();
    rmSync(copy, { force: true });
  }
}
