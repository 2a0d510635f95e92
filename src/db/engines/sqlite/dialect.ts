import { sqliteTypes } from './types.js';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { isUserError, UserError } from '../../../core/errors.js';
import { openSqliteFile } from './driver.js';
import { lengthOf, parseConnectionString, pick, type ColumnInfo, type Dialect, type TableRef, type TableShape } from '../../dialect.js';
import { ansiQuoting, createIndexSql, historyDeleteSql, historyInsertSql, sleep } from '../../sql-common.js';
import { dropTableSql, perOperation, reversed, tooLongRows, transactionScript } from '../../sql-common.js';

const q = ansiQuoting();
const LOCK_TABLE = '__EFMigrationsLock';

async function sqliteFile(connectionString: string, baseDir: string): Promise<string> {
  const map = await parseConnectionString(connectionString);
  const source = pick(map, 'data source', 'datasource', 'filename');
  if (!source) throw new UserError('the SQLite connection string has no Data Source', { hint: 'e.g. "Data Source=app.db"' });
  if (source === ':memory:' || /mode=memory/i.test(connectionString)) {
    throw new UserError('the SQLite connection string points at an in-memory database, which has nothing to migrate');
  }
  // Microsoft.Data.Sqlite resolves relative paths against the current directory: `dotnet run` uses the project folder.
  return path.resolve(baseDir, source.replace(/^\|DataDirectory\|[\\/]?/i, ''));
}

export const sqliteDialect: Dialect = {
  provider: 'sqlite',
  label: sqliteTypes.label,
  transactionalDdl: true,
  quoteTable: (ref) => q.table(ref),
  async target(connectionString, baseDir) {
    const file = await sqliteFile(connectionString, baseDir);
    return { provider: 'sqlite', display: file, file };
  },
  async open(connectionString, baseDir, options) {
    const file = await sqliteFile(connectionString, baseDir);
    if (!existsSync(file)) {
      throw new UserError(`the SQLite database ${file} does not exist`, { hint: "run the app's migrations first (dotnet ef database update)" });
    }
    if (!options.readOnly) {
      const mode = pick(await parseConnectionString(connectionString), 'mode');
      if (mode && /^readonly$/i.test(mode)) {
        throw new UserError(`the connection string opens ${file} read-only (Mode=ReadOnly), so neither passkey-migrate nor the app can store passkeys in it`, {
          hint: 'pass --connection with a read-write connection string (and use one in the app too)',
        });
      }
      // SQLite writes a journal next to the database: the file and its folder must both be writable.
      for (const [target, what] of [
        [file, 'the SQLite database'],
        [path.dirname(file), 'the folder of the SQLite database'],
      ] as const) {
        try {
          accessSync(target, constants.W_OK);
        } catch (error) {
          throw new UserError(`cannot write ${what} ${target}: it is read-only (${(error as NodeJS.ErrnoException).code}); nothing was changed`, {
            hint: 'make it writable and run again',
          });
        }
      }
    }
    const { Kysely, SqliteDialect } = await import('kysely');
    const database = await openSqliteFile(file, { readonly: options.readOnly ?? false, timeout: options.lockTimeoutMs ?? options.connectTimeoutMs }).catch((error: unknown) => {
      throw isUserError(error) ? error : new UserError(`cannot open the SQLite database ${file}: ${(error as Error).message}`);
    });
    try {
      database.prepare('pragma schema_version').get(); // fails here, not later, on a file that is not a database
    } catch (error) {
      database.close();
      throw new UserError(`cannot open the SQLite database ${file}: ${(error as Error).message}`);
    }
    return new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  },
  async isEmpty(db) {
    const rows = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table'`.execute(db);
    return Number(rows.rows[0]?.n ?? 0) === 0;
  },
  async explainError(error, doing) {
    const code = String((error as { code?: string }).code ?? '');
    const message = String((error as Error).message ?? error);
    if (/^SQLITE_READONLY/.test(code) || /readonly database/i.test(message)) {
      return new UserError(`cannot ${doing}: the SQLite database is read-only (${code || 'SQLITE_READONLY'}); nothing was changed`, {
        hint: 'make the database file and its folder writable, and run again',
      });
    }
    if (code === 'SQLITE_FULL' || /database or disk is full/i.test(message)) {
      return new UserError(`cannot ${doing}: the disk is full (SQLITE_FULL); nothing was changed`, { hint: 'free some disk space and run again' });
    }
    if (code === 'SQLITE_BUSY' || /database is locked/i.test(message)) {
      return new UserError(`cannot ${doing}: another process is writing to the SQLite database (SQLITE_BUSY); nothing was changed`, {
        hint: 'stop the app or the other migration, or raise --lock-timeout',
      });
    }
    if (/^SQLITE_(IOERR|CANTOPEN|CORRUPT|NOTADB)/.test(code)) {
      return new UserError(`cannot ${doing}: SQLite reports ${code} (${message.split('\n')[0]}); nothing was changed`, { hint: 'check the database file and the disk' });
    }
    return undefined;
  },
  async tableExists(db, table) {
    const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = ${table.name}`.execute(db);
    return rows.rows.length > 0;
  },
  async columns(db: Kysely<any>, table: TableRef): Promise<ColumnInfo[]> {
    const rows = await sql<{ name: string; type: string; notnull: number; dflt_value: string | null }>`
      select name, type, "notnull", dflt_value from pragma_table_info(${table.name})`.execute(db);
    return rows.rows.map((r) => ({ name: r.name, type: r.type, nullable: r.notnull === 0, default: r.dflt_value }));
  },
  maxLength: lengthOf,
  async shape(db, table): Promise<TableShape> {
    const columns = await this.columns(db, table);
    const pkRows = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table.name}) where pk > 0 order by pk`.execute(db);
    const ddl = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table.name}`.execute(db)).rows[0]?.sql ?? '';
    const named = (kind: string) => new RegExp(`CONSTRAINT\\s+"([^"]+)"\\s+${kind}`, 'gi');
    const pkName = named('PRIMARY KEY').exec(ddl)?.[1] ?? null;
    const fkNames = [...ddl.matchAll(named('FOREIGN KEY'))].map((m) => m[1]!);
    const fkRows = await sql<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>`
      select id, seq, "table", "from", "to", on_delete from pragma_foreign_key_list(${table.name}) order by id desc, seq`.execute(db);
    const fks = new Map<number, TableShape['foreignKeys'][number]>();
    for (const r of fkRows.rows) {
      const fk = fks.get(r.id) ?? { name: null, columns: [], principalTable: r.table, principalColumns: [], onDelete: r.on_delete };
      fk.columns.push(r.from);
      fk.principalColumns.push(r.to);
      fks.set(r.id, fk);
    }
    // pragma lists foreign keys last-declared first; names come from the DDL in declaration order
    const foreignKeys = [...fks.values()].map((fk, i) => ({ ...fk, name: fkNames[i] ?? null }));
    const indexRows = await sql<{ name: string; unique: number; origin: string }>`
      select name, "unique", origin from pragma_index_list(${table.name}) where origin = 'c' order by name`.execute(db);
    const indexes = [];
    for (const ix of indexRows.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${ix.name}) order by seqno`.execute(db);
      indexes.push({ name: ix.name, columns: cols.rows.map((c) => c.name), unique: ix.unique === 1 });
    }
    return {
      columns,
      primaryKey: pkRows.rows.length ? { name: pkName, columns: pkRows.rows.map((r) => r.name) } : null,
      foreignKeys,
      indexes,
    };
  },

  up: (ops) =>
    perOperation(ops, (op) => {
      switch (op.kind) {
        case 'createTable': {
          // EF's SQLite generator puts a single-column primary key on the column itself.
          const pk = op.primaryKey.columns.length === 1 ? op.primaryKey.columns[0] : undefined;
          const lines = op.columns.map(
            (c) => `    ${q.ident(c.name)} ${c.type}${c.nullable ? ' NULL' : ' NOT NULL'}${c.name === pk ? ` CONSTRAINT ${q.ident(op.primaryKey.name)} PRIMARY KEY` : ''}`,
          );
          if (!pk) lines.push(`    CONSTRAINT ${q.ident(op.primaryKey.name)} PRIMARY KEY (${op.primaryKey.columns.map(q.ident).join(', ')})`);
          for (const fk of op.foreignKeys) {
            lines.push(
              `    CONSTRAINT ${q.ident(fk.name)} FOREIGN KEY (${fk.columns.map(q.ident).join(', ')}) REFERENCES ${q.table(fk.principal)} (${fk.principalColumns.map(q.ident).join(', ')}) ON DELETE ${fk.onDelete.toUpperCase()}`,
            );
          }
          return [`CREATE TABLE ${q.table(op.table)} (\n${lines.join(',\n')}\n);`];
        }
        case 'createIndex':
          return [createIndexSql(q, op)];
        case 'alterColumn':
          // SQLite stores every string as TEXT: a length is not part of the column, and EF emits nothing.
          return [];
      }
    }),
  down: (ops) =>
    reversed(ops, (op) => {
      switch (op.kind) {
        case 'createTable':
          return [dropTableSql(q, op.table)];
        case 'createIndex':
          return [];
        case 'alterColumn':
          return [];
      }
    }),
  historyCreate(history) {
    return `CREATE TABLE IF NOT EXISTS ${q.table(history)} (\n    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,\n    "ProductVersion" TEXT NOT NULL\n);`;
  },
  historyInsert: (history, id, version) => historyInsertSql(q, history, id, version),
  historyDelete: (history, id) => historyDeleteSql(q, history, id),
  guardScript() {
    throw new UserError('EF Core does not support idempotent scripts for SQLite, and neither do we', { hint: 'use --script without --idempotent, or run db update' });
  },
  scriptBatch: (statements) => transactionScript('BEGIN TRANSACTION;', statements),
  tooLong: (db, table, column, length, keyColumn) => tooLongRows(db, q, { table, column, length, keyColumn }, 'length', 'limit'),

  /**
   * EF Core 9+ on SQLite: a row in __EFMigrationsLock marks a running migration. We take that row inside a
   * BEGIN IMMEDIATE transaction (SQLite's own write lock, waited for up to the bound), so a killed run leaves no
   * row behind, while EF's own runs still see us and we see them.
   */
  async withMigrationLock(db, options, fn) {
    const deadline = Date.now() + options.timeoutMs;
    return db.connection().execute(async (conn) => {
      // SQLite's own wait for the write lock is the busy timeout: bound it by the lock timeout.
      await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.round(options.timeoutMs))}`).execute(conn);
      for (;;) {
        try {
          await sql`begin immediate`.execute(conn);
        } catch (error) {
          if (/SQLITE_BUSY|database is locked/i.test(String((error as Error).message))) {
            throw new UserError(`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for the SQLite database lock (another process is writing to it)`, {
              hint: 'wait for the other migration to finish, or raise --lock-timeout',
            });
          }
          throw error;
        }
        let committed = false;
        try {
          await sql
            .raw(`CREATE TABLE IF NOT EXISTS "${LOCK_TABLE}" (\n    "Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY,\n    "Timestamp" TEXT NOT NULL\n)`)
            .execute(conn);
          const taken = await sql<{
            n: number;
          }>`insert or ignore into ${sql.table(LOCK_TABLE)} ("Id", "Timestamp") values (1, ${new Date().toISOString()}) returning 1 as n`.execute(conn);
          if (taken.rows.length === 0) {
            const holder = await sql<{ Timestamp: string }>`select "Timestamp" from ${sql.table(LOCK_TABLE)} where "Id" = 1`.execute(conn);
            await sql`rollback`.execute(conn);
            committed = true;
            if (Date.now() >= deadline) {
              throw new UserError(
                `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for EF Core's migration lock (${LOCK_TABLE}), held since ${holder.rows[0]?.Timestamp ?? 'an unknown time'}`,
                { hint: `if no migration is running, a crashed one left it: delete the row from ${LOCK_TABLE}` },
              );
            }
            await sleep(200);
            continue;
          }
          const result = await fn(conn);
          await sql.raw(`DELETE FROM "${LOCK_TABLE}"`).execute(conn);
          await sql`commit`.execute(conn);
          committed = true;
          return result;
        } finally {
          if (!committed) await sql`rollback`.execute(conn).catch(() => undefined);
        }
      }
    });
  },
};
