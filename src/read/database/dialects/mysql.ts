import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, lengthOf, parseConnectionString, pick, type ColumnInfo, type Dialect, type TableRef } from '../dialect.js';

async function settings(connectionString: string) {
  const map = await parseConnectionString(connectionString);
  const host = pick(map, 'server', 'host', 'data source', 'datasource', 'address', 'addr', 'network address') ?? 'localhost';
  const port = Number(pick(map, 'port') ?? 3306);
  const database = pick(map, 'database', 'initial catalog');
  const user = pick(map, 'user id', 'userid', 'uid', 'user', 'username', 'user name');
  const password = pick(map, 'password', 'pwd');
  registerSecret(password);
  return { host, port, database, user, password };
}

export const mysqlDialect: Dialect = {
  provider: 'mysql',
  label: 'MySQL/MariaDB',
  async target(connectionString) {
    const s = await settings(connectionString);
    return { provider: 'mysql', display: `${s.host}:${s.port}/${s.database ?? ''}${s.user ? ` as ${s.user}` : ''}` };
  },
  async open(connectionString, _baseDir, options) {
    const s = await settings(connectionString);
    const mysql = await import('mysql2');
    const { Kysely, MysqlDialect } = await import('kysely');
    const config = {
      host: s.host,
      port: s.port,
      database: s.database,
      user: s.user,
      password: s.password,
      connectTimeout: options.connectTimeoutMs,
      connectionLimit: 2,
      multipleStatements: false,
    };
    const probe = mysql.createConnection(config);
    try {
      await probe.promise().connect();
    } catch (error) {
      probe.destroy();
      throw new UserError(`cannot connect to MySQL/MariaDB at ${s.host}:${s.port} (database ${s.database ?? '?'}, user ${s.user ?? '?'}): ${connectFailure(error)}`, {
        hint: 'check the connection string, or pass --connection',
      });
    }
    await probe.promise().end();
    return new Kysely<any>({ dialect: new MysqlDialect({ pool: mysql.createPool(config) }) });
  },
  async tableExists(db, table) {
    const rows = await sql<{ found: number }>`
      select 1 as found from information_schema.TABLES
      where TABLE_SCHEMA = coalesce(${table.schema}, database()) and TABLE_NAME = ${table.name}`.execute(db);
    return rows.rows.length > 0;
  },
  async columns(db: Kysely<any>, table: TableRef): Promise<ColumnInfo[]> {
    const rows = await sql<{ name: string; type: string; nullable: string; def: string | null }>`
      select COLUMN_NAME as name, COLUMN_TYPE as type, IS_NULLABLE as nullable, COLUMN_DEFAULT as def
      from information_schema.COLUMNS
      where TABLE_SCHEMA = coalesce(${table.schema}, database()) and TABLE_NAME = ${table.name}
      order by ORDINAL_POSITION`.execute(db);
    return rows.rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable === 'YES', default: r.def }));
  },
  maxLength: lengthOf,
};
