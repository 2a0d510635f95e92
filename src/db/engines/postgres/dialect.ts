import { postgresTypes } from './types.js';
import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, lengthOf, parseConnectionString, pick, serverDisplay, type ColumnInfo, type Dialect, type TableRef, type TableShape } from '../../dialect.js';
import { ansiQuoting, createIndexSql, createTableSql, historyDeleteSql, historyInsertSql } from '../../sql-common.js';
import { dropTableSql, perOperation, reversed, tooLongRows, transactionScript } from '../../sql-common.js';
import { loadDriver } from '../../driver.js';

const q = ansiQuoting(true);

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

interface LockHolder {
  pid: number;
  usename: string;
  application_name: string;
  client_addr: string | null;
  relname: string;
  mode: string;
}

/** Other sessions holding table locks that block schema changes or reads. */
async function lockHolders(db: Kysely<any>, relation?: string): Promise<LockHolder[]> {
  const rows = await sql<LockHolder>`
    select a.pid, a.usename, a.application_name, host(a.client_addr) as client_addr, c.relname, l.mode
    from pg_catalog.pg_locks l
    join pg_catalog.pg_stat_activity a on a.pid = l.pid
    join pg_catalog.pg_class c on c.oid = l.relation
    where l.granted and a.pid <> pg_backend_pid() and l.mode in ('AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock')
      and (${relation ?? null}::text is null or c.relname = ${relation ?? null})
    order by a.pid limit 5`.execute(db);
  return rows.rows;
}

/** pid 123 (user u, application 'a', from 10.0.0.1) */
function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} (user ${h.usename}${h.application_name ? `, application '${h.application_name}'` : ''}${h.client_addr ? `, from ${h.client_addr}` : ''})`;
}

/** A lock wait that ran out, said the same way wherever it happened: who holds what. */
async function lockTimeoutError(db: Kysely<any>, timeoutMs: number | null, doing?: string): Promise<UserError> {
  const hint = { hint: 'wait for the other migration to finish, or raise --lock-timeout' };
  const seconds = timeoutMs === null ? '' : ` after ${Math.round(timeoutMs / 1000)}s`;
  const history = await lockHolders(db, HISTORY_NAME).catch(() => []);
  if (history.length) {
    return new UserError(`timed out${seconds} waiting for the migration lock on __EFMigrationsHistory, held by ${history.map(describeHolder).join(', ')}`, hint);
  }
  const others = await lockHolders(db).catch(() => []);
  const who = others.map((h) => `${describeHolder(h)} (${h.mode} on ${h.relname})`).join(', ');
  return new UserError(`${doing ? `cannot ${doing}: ` : ''}timed out${seconds} waiting for a lock ${who ? `held by ${who}` : 'another session holds'}; nothing was changed`, {
    hint: 'wait for the other session (a running migration or a long transaction) to finish, or raise --lock-timeout',
  });
}

/** The session's lock_timeout in milliseconds, as the server has it. */
async function sessionLockTimeout(db: Kysely<any>): Promise<number | null> {
  const r = await sql<{ ms: string }>`select setting as ms from pg_catalog.pg_settings where name = 'lock_timeout'`.execute(db).catch(() => null);
  const ms = Number(r?.rows[0]?.ms);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

const HISTORY_NAME = '__EFMigrationsHistory';

export const postgresDialect: Dialect = {
  provider: 'postgres',
  label: postgresTypes.label,
  async target(connectionString) {
    const s = await settings(connectionString);
    return { provider: 'postgres', display: serverDisplay(s) };
  },
  async open(connectionString, _baseDir, options) {
    const s = await settings(connectionString);
    const { default: pg } = await loadDriver('pg', 'PostgreSQL', () => import('pg'));
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
      // Every statement's wait for a lock is bounded, also the reads before our migration lock (another session
      // holding LOCK TABLE "__EFMigrationsHistory" would otherwise hold them for as long as it likes).
      options: `-c lock_timeout=${Math.max(1, Math.round(options.lockTimeoutMs ?? options.connectTimeoutMs))}`,
      application_name: 'passkey-migrate',
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
  async isEmpty(db) {
    const rows = await sql<{ n: string | number }>`
      select count(*) as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`.execute(db);
    return Number(rows.rows[0]?.n ?? 0) === 0;
  },
  async privilegeProblems(db, plan, tables) {
    const problems: string[] = [];
    const users = tables.users!;
    const passkeys = tables.userPasskeys!;
    const creates = plan.steps.some((s) => s.op?.kind === 'createTable');
    if (creates) {
      const r = await sql<{ ok: boolean; schema: string }>`
        select has_schema_privilege(coalesce(${passkeys.schema}, current_schema()), 'CREATE') as ok, coalesce(${passkeys.schema}, current_schema()) as schema`.execute(db);
      if (!r.rows[0]?.ok) problems.push(`CREATE on schema ${r.rows[0]?.schema}`);
      const ref = await sql<{ ok: boolean }>`select has_table_privilege(${q.table(users)}, 'REFERENCES') as ok`.execute(db);
      if (!ref.rows[0]?.ok) problems.push(`REFERENCES on ${users.name} (for the passkeys table's foreign key)`);
    }
    const altered = new Map<string, TableRef>();
    for (const step of plan.steps) if (step.op?.kind === 'alterColumn') altered.set(q.table(step.op.table), step.op.table);
    for (const [quoted, ref] of altered) {
      // ALTER TABLE needs ownership of the table (directly or through a role).
      const r = await sql<{ ok: boolean }>`select pg_has_role(c.relowner, 'USAGE') as ok from pg_catalog.pg_class c where c.oid = ${quoted}::regclass`.execute(db);
      if (r.rows[0] && !r.rows[0].ok) problems.push(`ownership of ${ref.name} (to change its columns)`);
    }
    const history = await sql<{ ok: boolean }>`select has_table_privilege('"__EFMigrationsHistory"', 'INSERT') as ok`.execute(db).catch(() => null);
    if (history && history.rows[0] && !history.rows[0].ok) problems.push('INSERT on __EFMigrationsHistory');
    return problems;
  },
  async explainError(error, doing, db) {
    const e = error as { code?: string; message?: string };
    switch (e.code) {
      case '42501':
        return new UserError(`cannot ${doing}: the database user may not (${e.message}); nothing was changed`, {
          hint: 'run with a user that owns the Identity tables and may create tables (pass --connection), or grant those rights',
        });
      case '55P03':
        return db
          ? lockTimeoutError(db, await sessionLockTimeout(db), doing)
          : new UserError(`cannot ${doing}: timed out waiting for a lock another session holds`, { hint: 'raise --lock-timeout' });
      case '25006':
        return new UserError(`cannot ${doing}: the database is read-only (a standby, or default_transaction_read_only); nothing was changed`, {
          hint: 'connect to the primary server',
        });
      case '53100':
        return new UserError(`cannot ${doing}: the database server's disk is full; nothing was changed`, { hint: 'free space on the server and run again' });
      default:
        return undefined;
    }
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
  async shape(db, table): Promise<TableShape> {
    const columns = await this.columns(db, table);
    const constraints = await sql<{ name: string; type: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null; on_delete: string }>`
      select con.conname as name, con.contype as type,
             array(select a.attname from unnest(con.conkey) with ordinality k(n, i) join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i)::text[] as columns,
             rt.relname as ref_table,
             array(select a.attname from unnest(con.confkey) with ordinality k(n, i) join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i)::text[] as ref_columns,
             con.confdeltype as on_delete
      from pg_catalog.pg_constraint con
      join pg_catalog.pg_class c on c.oid = con.conrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_class rt on rt.oid = con.confrelid
      where c.relname = ${table.name} and n.nspname = coalesce(${table.schema}, current_schema()) and con.contype in ('p', 'f')
      order by con.conname`.execute(db);
    const deleteRules: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
    const pk = constraints.rows.find((r) => r.type === 'p');
    const indexes = await sql<{ name: string; unique: boolean; columns: string[] }>`
      select i.relname as name, x.indisunique as unique,
             array(select a.attname from unnest(x.indkey) with ordinality k(n, o) join pg_catalog.pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n order by k.o)::text[] as columns
      from pg_catalog.pg_index x
      join pg_catalog.pg_class i on i.oid = x.indexrelid
      join pg_catalog.pg_class c on c.oid = x.indrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relname = ${table.name} and n.nspname = coalesce(${table.schema}, current_schema()) and not x.indisprimary
      order by i.relname`.execute(db);
    return {
      columns,
      primaryKey: pk ? { name: pk.name, columns: pk.columns } : null,
      foreignKeys: constraints.rows
        .filter((r) => r.type === 'f')
        .map((r) => ({
          name: r.name,
          columns: r.columns,
          principalTable: r.ref_table ?? '',
          principalColumns: r.ref_columns ?? [],
          onDelete: deleteRules[r.on_delete] ?? r.on_delete,
        })),
      indexes: indexes.rows.map((r) => ({ name: r.name, columns: r.columns, unique: r.unique })),
    };
  },

  transactionalDdl: true,
  quoteTable: (ref) => q.table(ref),
  up: (ops) =>
    perOperation(ops, (op) => {
      switch (op.kind) {
        case 'createTable':
          return [createTableSql(q, op, (c) => `${q.ident(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`)];
        case 'createIndex':
          return [createIndexSql(q, op)];
        case 'alterColumn':
          return [`ALTER TABLE ${q.table(op.table)} ALTER COLUMN ${q.ident(op.column.name)} TYPE ${op.column.type};`];
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
          return [`ALTER TABLE ${q.table(op.table)} ALTER COLUMN ${q.ident(op.column.name)} TYPE ${op.old.type};`];
      }
    }),
  historyCreate(history) {
    return `CREATE TABLE IF NOT EXISTS ${q.table(history)} (\n    "MigrationId" character varying(150) NOT NULL,\n    "ProductVersion" character varying(32) NOT NULL,\n    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")\n);`;
  },
  historyInsert: (history, id, version) => historyInsertSql(q, history, id, version),
  historyDelete: (history, id) => historyDeleteSql(q, history, id),
  guardScript(history, id, statements, applied) {
    // EF's idempotent scripts: a DO block per statement that checks the history table first.
    return statements.map(
      (statement) =>
        `DO $EF$\nBEGIN\n    IF ${applied ? '' : 'NOT '}EXISTS(SELECT 1 FROM ${q.table(history)} WHERE "MigrationId" = ${q.literal(id)}) THEN\n    ${statement.split('\n').join('\n    ')}\n    END IF;\nEND $EF$;`,
    );
  },
  // EF spaces its idempotent PostgreSQL scripts differently: a blank line after START TRANSACTION, none before COMMIT.
  scriptBatch: (statements, idempotent) => (idempotent ? `START TRANSACTION;\n\n${statements.join('\n\n')}\nCOMMIT;\n` : transactionScript('START TRANSACTION;', statements)),
  // ALTER ... TYPE character varying(n) casts by assignment: a longer value fails with 22001, nothing is cut.
  isValueTooLong: (error) => (error as { code?: string }).code === '22001',
  tooLong: (db, table, column, length, keyColumn) => tooLongRows(db, q, { table, column, length, keyColumn }, 'length', 'limit'),

  /**
   * EF Core 9+ on PostgreSQL: LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE inside the migration
   * transaction. We take the same lock, with lock_timeout as the bound, and name the holder when it runs out.
   */
  async withMigrationLock(db, options, fn) {
    try {
      return await db.transaction().execute(async (tx) => {
        // The same bound for our lock and for every lock the steps wait for (the running app may hold rows).
        await sql.raw(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(options.timeoutMs))}ms'`).execute(tx);
        try {
          await sql.raw(`LOCK TABLE ${q.table(options.history)} IN ACCESS EXCLUSIVE MODE`).execute(tx);
        } catch (error) {
          throw Object.assign(error as object, { migrationLock: true });
        }
        return fn(tx);
      });
    } catch (error) {
      if ((error as { code?: string; migrationLock?: boolean }).code === '55P03' && (error as { migrationLock?: boolean }).migrationLock) {
        throw await lockTimeoutError(db, options.timeoutMs);
      }
      throw error;
    }
  },
};
