import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, lengthOf, parseConnectionString, pick, type ColumnInfo, type Dialect, type TableRef } from '../dialect.js';

async function settings(connectionString: string) {
  const map = await parseConnectionString(connectionString);
  const host = pick(map, 'host', 'server', 'data source') ?? 'localhost';
  const port = Number(pick(map, 'port') ?? 5432);
  const database = pick(map, 'database', 'db', 'initial catalog');
  const user = pick(map, 'username', 'user id', 'userid', 'user name', 'user', 'uid');
  const password = pick(map, 'password', 'pwd');
  registerSecret(password);
  const sslMode = (pick(map, 'ssl mode', 'sslmode') ?? 'prefer').toLowerCase();
  return { host, port, database, user, password, sslMode };
}

export const postgresDialect: Dialect = {
  provider: 'postgres',
  label: 'PostgreSQL',
  async target(connectionString) {
    const s = await settings(connectionString);
    return { provider: 'postgres', display: `${s.host}:${s.port}/${s.database ?? ''}${s.user ? ` as ${s.user}` : ''}` };
  },
  async open(connectionString, _baseDir, options) {
    const s = await settings(connectionString);
    const { default: pg } = await import('pg');
    const { Kysely, PostgresDialect } = await import('kysely');
    const config = {
      host: s.host,
      port: s.port,
      database: s.database,
      user: s.user,
      password: s.password,
      connectionTimeoutMillis: options.connectTimeoutMs,
      ssl: s.sslMode === 'require' || s.sslMode === 'verify-full' || s.sslMode === 'verify-ca' ? { rejectUnauthorized: s.sslMode !== 'require' } : undefined,
      max: 2,
    };
    // Connect once up front so that a wrong password or an unreachable host fails here, clearly.
    const probe = new pg.Client(config);
    try {
      await probe.connect();
    } catch (error) {
      await probe.end().catch(() => undefined);
      throw new UserError(`cannot connect to PostgreSQL at ${s.host}:${s.port} (database ${s.database ?? '?'}, user ${s.user ?? '?'}): ${connectFailure(error)}`, {
        hint: 'check the connection string, or pass --connection',
      });
    }
    await probe.end();
    return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool(config) }) });
  },
  async tableExists(db, table) {
    const rows = await sql<{ found: number }>`
      select 1 as found from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relname = ${table.name} and c.relkind in ('r', 'p')
        and n.nspname = coalesce(${table.schema}, current_schema())`.execute(db);
    return rows.rows.length > 0;
  },
  async columns(db: Kysely<any>, table: TableRef): Promise<ColumnInfo[]> {
    const rows = await sql<{ name: string; type: string; nullable: boolean; default: string | null }>`
      select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
             not a.attnotnull as nullable, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as default
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where c.relname = ${table.name} and n.nspname = coalesce(${table.schema}, current_schema())
        and a.attnum > 0 and not a.attisdropped
      order by a.attnum`.execute(db);
    return rows.rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable, default: r.default }));
  },
  maxLength: lengthOf,
};
