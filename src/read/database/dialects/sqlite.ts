import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { lengthOf, parseConnectionString, pick, type ColumnInfo, type Dialect, type TableRef } from '../dialect.js';

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
  label: 'SQLite',
  async target(connectionString, baseDir) {
    const file = await sqliteFile(connectionString, baseDir);
    return { provider: 'sqlite', display: file, file };
  },
  async open(connectionString, baseDir, options) {
    const file = await sqliteFile(connectionString, baseDir);
    if (options.readOnly && !existsSync(file)) {
      throw new UserError(`the SQLite database ${file} does not exist`);
    }
    const { default: Database } = await import('better-sqlite3');
    const { Kysely, SqliteDialect } = await import('kysely');
    let database;
    try {
      database = new Database(file, { readonly: options.readOnly ?? false, fileMustExist: options.readOnly ?? false, timeout: options.connectTimeoutMs });
      database.pragma('schema_version'); // fails here, not later, on a file that is not a database
    } catch (error) {
      throw new UserError(`cannot open the SQLite database ${file}: ${(error as Error).message}`);
    }
    return new Kysely<any>({ dialect: new SqliteDialect({ database }) });
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
};
