/**
 * The state of a project folder and its database, to prove a run changed nothing (or exactly what an
 * uninterrupted run changes): a hash of every file's bytes, the leftovers a run must never leave (temp files and
 * rollback backups), and the database's engine-native schema dump, history and row digests.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { checksums, dumpPostgres, dumpSqlite } from './dbdump.js';

/** Every file's content hash (not its mtime), the database files left out; `neutralIds` hides migration timestamps. */
export function fileHashes(dir: string, options: { neutralIds?: boolean; skip?: string[] } = {}): Record<string, string> {
  const skip = new Set(['.git', ...(options.skip ?? [])]);
  const out: Record<string, string> = {};
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) visit(full);
        continue;
      }
      if (/\.db(-shm|-wal|-journal)?$/.test(entry.name)) continue;
      let rel = path.relative(dir, full);
      let bytes: Buffer | string = entry.isSymbolicLink() ? `symlink -> ${readlinkSync(full)}` : readFileSync(full);
      if (options.neutralIds) {
        rel = rel.replace(/\d{14}_AddPasskeySupport/, 'ID_AddPasskeySupport');
        bytes = bytes.toString('utf8').replace(/\d{14}_AddPasskeySupport/g, 'ID_AddPasskeySupport');
      }
      out[rel] = createHash('sha256').update(bytes).digest('hex');
    }
  };
  visit(dir);
  return out;
}

/** Temp files and rollback backups of ours anywhere below dir (a run must leave none). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.pkm-\d+\.(tmp|bak)$|^\..+\.\d+\.tmp$/.test(path.basename(f)));
}

const IDENTITY = ['AspNetUsers', 'AspNetUserClaims', 'AspNetUserLogins', 'AspNetUserTokens', 'AspNetRoles', 'AspNetUserRoles', 'AspNetRoleClaims'];
const ORDER: Record<string, string> = {
  AspNetUserLogins: '"LoginProvider", "ProviderKey"',
  AspNetUserTokens: '"UserId", "LoginProvider", "Name"',
  AspNetUserRoles: '"UserId", "RoleId"',
};

export interface DatabaseState {
  schema: string[];
  history: string[];
  rows: Record<string, { rows: number; sha256: string }>;
}

export async function sqliteState(file: string, tables = IDENTITY): Promise<DatabaseState> {
  const dump = await dumpSqlite(file);
  const present = tables.filter((t) => dump.schema.some((line) => line.startsWith(`table ${t} `)));
  return {
    ...dump,
    rows: await checksums(
      'sqlite',
      file,
      present.map((name) => ({ name, orderBy: ORDER[name] ?? '"Id"' })),
    ),
  };
}

export async function postgresState(database: string, schema: string | null, tables = IDENTITY): Promise<DatabaseState> {
  const dump = await dumpPostgres(database);
  const present = tables.filter((t) => dump.schema.some((s) => s.includes(`"${t}"`)));
  return {
    ...dump,
    rows: await checksums(
      'postgres',
      database,
      present.map((name) => ({ name, schema, orderBy: ORDER[name] ?? '"Id"' })),
    ),
  };
}
