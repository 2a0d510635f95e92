import { mysqlTypes } from './types.js';
import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, lengthOf, parseConnectionString, pick, serverDisplay, type ColumnInfo, type Dialect, type TableRef, type TableShape } from '../../dialect.js';
import { createIndexSql, createTableSql, historyDeleteSql, historyInsertSql, type Quoting } from '../../sql-common.js';
import { dropTableSql, perOperation, reversed, tooLongRows, transactionScript } from '../../sql-common.js';
import { loadDriver } from '../../driver.js';

const q: Quoting = {
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  table: (ref) => (ref.schema ? `\`${ref.schema}\`.\`${ref.name}\`` : `\`${ref.name}\``),
  literal: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
};
const LOCK_NAME = '__EFMigrationsLock';

/** Pomelo writes the character set on every string column. */
function storeType(type: string): string {
  return /^(varchar|char|longtext|text|mediumtext|tinytext)\b/i.test(type) ? `${type} CHARACTER SET utf8mb4` : type;
}

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
  label: mysqlTypes.label,
  async target(connectionString) {
    const s = await settings(connectionString);
    return { provider: 'mysql', display: serverDisplay(s) };
  },
  async open(connectionString, _baseDir, options) {
    const s = await settings(connectionString);
    const mysql = await loadDriver('mysql2', 'MySQL/MariaDB', () => import('mysql2'));
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
    const { CompiledQuery } = await import('kysely');
    const seconds = Math.max(1, Math.ceil((options.lockTimeoutMs ?? options.connectTimeoutMs) / 1000));
    return new Kysely<any>({
      dialect: new MysqlDialect({
        pool: mysql.createPool(config),
        // Every wait for a table lock (metadata or row) is bounded, also the reads before our migration lock.
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw(`SET SESSION lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`));
        },
      }),
    });
  },
  async serverVersion(db) {
    const rows = await sql<{ v: string }>`select version() as v`.execute(db);
    return String(rows.rows[0]?.v ?? '');
  },
  async isEmpty(db) {
    const rows = await sql<{ n: number }>`select count(*) as n from information_schema.TABLES where TABLE_SCHEMA = database()`.execute(db);
    return Number(rows.rows[0]?.n ?? 0) === 0;
  },
  async privilegeProblems(db, plan, tables) {
    // MySQL commits DDL one statement at a time, so rights are checked first, from the grants the server lists
    // for this user and its enabled roles (global, database and table level).
    const who = await sql<{ u: string; r: string | null }>`select current_user() as u, current_role() as r`.execute(db).catch(() => null);
    const row = who?.rows[0];
    if (!row) return [];
    const quote = (name: string) => {
      const at = name.lastIndexOf('@');
      return `'${name.slice(0, at)}'@'${name.slice(at + 1)}'`;
    };
    const grantees = [quote(row.u), ...(row.r && row.r !== 'NONE' ? row.r.split(',').map((r) => `'${r.replace(/`/g, '')}'`) : [])];
    const granted = await sql<{ p: string; t: string | null }>`
      select PRIVILEGE_TYPE as p, null as t from information_schema.USER_PRIVILEGES where GRANTEE in (${sql.join(grantees)})
      union all select PRIVILEGE_TYPE, null from information_schema.SCHEMA_PRIVILEGES where GRANTEE in (${sql.join(grantees)}) and TABLE_SCHEMA = database()
      union all select PRIVILEGE_TYPE, TABLE_NAME from information_schema.TABLE_PRIVILEGES where GRANTEE in (${sql.join(grantees)}) and TABLE_SCHEMA = database()`.execute(db);
    if (granted.rows.length === 0) return []; // the server lists nothing (grants through a proxy or plugin): the statements will tell
    const has = (privilege: string, table?: string) => granted.rows.some((g) => g.p === privilege && (g.t === null || g.t === table));
    const problems: string[] = [];
    const users = tables.users!.name;
    if (plan.steps.some((s) => s.op?.kind === 'createTable')) {
      if (!has('CREATE')) problems.push('CREATE');
      if (!has('INDEX', tables.userPasskeys!.name) && !has('INDEX')) problems.push('INDEX');
      if (!has('REFERENCES', users) && !has('REFERENCES')) problems.push(`REFERENCES on ${users}`);
    }
    for (const step of plan.steps) {
      if (step.op?.kind === 'alterColumn' && !has('ALTER', step.op.table.name)) problems.push(`ALTER on ${step.op.table.name}`);
    }
    if (!has('INSERT', '__EFMigrationsHistory')) problems.push('INSERT on __EFMigrationsHistory');
    return [...new Set(problems)];
  },
  async explainError(error, doing) {
    const e = error as { errno?: number; code?: string; sqlMessage?: string; message?: string };
    const message = e.sqlMessage ?? e.message ?? String(error);
    switch (e.errno) {
      case 1044:
      case 1142:
      case 1227:
        return new UserError(`cannot ${doing}: the database user may not (${message})`, {
          hint: 'run with a user that has CREATE, ALTER, INDEX, REFERENCES and INSERT on the database (pass --connection), or grant them',
        });
      case 1205:
        return new UserError(`cannot ${doing}: timed out waiting for a lock another session holds (${message})`, {
          hint: 'stop the app or the other migration, or raise --lock-timeout',
        });
      case 1021:
        return new UserError(`cannot ${doing}: the database server's disk is full`, { hint: 'free space on the server and run again' });
      case 1290:
      case 1792:
        return new UserError(`cannot ${doing}: the database is read-only (${message})`, { hint: 'connect to the primary server' });
      default:
        return undefined;
    }
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
  async shape(db, table): Promise<TableShape> {
    const columns = await this.columns(db, table);
    const keys = await sql<{ name: string; type: string; col: string; ref_table: string | null; ref_col: string | null; on_delete: string | null }>`
      select tc.CONSTRAINT_NAME as name, tc.CONSTRAINT_TYPE as type, k.COLUMN_NAME as col,
             k.REFERENCED_TABLE_NAME as ref_table, k.REFERENCED_COLUMN_NAME as ref_col, rc.DELETE_RULE as on_delete
      from information_schema.TABLE_CONSTRAINTS tc
      join information_schema.KEY_COLUMN_USAGE k
        on k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA and k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME and k.TABLE_NAME = tc.TABLE_NAME
      left join information_schema.REFERENTIAL_CONSTRAINTS rc
        on rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA and rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
      where tc.TABLE_SCHEMA = coalesce(${table.schema}, database()) and tc.TABLE_NAME = ${table.name}
        and tc.CONSTRAINT_TYPE in ('PRIMARY KEY', 'FOREIGN KEY')
      order by tc.CONSTRAINT_NAME, k.ORDINAL_POSITION`.execute(db);
    const pkCols = keys.rows.filter((r) => r.type === 'PRIMARY KEY').map((r) => r.col);
    const fks = new Map<string, TableShape['foreignKeys'][number]>();
    for (const r of keys.rows.filter((x) => x.type === 'FOREIGN KEY')) {
      const fk = fks.get(r.name) ?? { name: r.name, columns: [], principalTable: r.ref_table ?? '', principalColumns: [], onDelete: r.on_delete ?? '' };
      fk.columns.push(r.col);
      fk.principalColumns.push(r.ref_col ?? '');
      fks.set(r.name, fk);
    }
    const stats = await sql<{ name: string; non_unique: number; col: string }>`
      select INDEX_NAME as name, NON_UNIQUE as non_unique, COLUMN_NAME as col from information_schema.STATISTICS
      where TABLE_SCHEMA = coalesce(${table.schema}, database()) and TABLE_NAME = ${table.name} and INDEX_NAME <> 'PRIMARY'
      order by INDEX_NAME, SEQ_IN_INDEX`.execute(db);
    const indexes = new Map<string, TableShape['indexes'][number]>();
    for (const r of stats.rows) {
      const ix = indexes.get(r.name) ?? { name: r.name, columns: [], unique: Number(r.non_unique) === 0 };
      ix.columns.push(r.col);
      indexes.set(r.name, ix);
    }
    return {
      columns,
      primaryKey: pkCols.length ? { name: 'PRIMARY', columns: pkCols } : null,
      foreignKeys: [...fks.values()],
      indexes: [...indexes.values()],
    };
  },

  // MySQL and MariaDB commit every DDL statement on their own: the steps are ordered so that a re-run completes them.
  transactionalDdl: false,
  quoteTable: (ref) => q.table(ref),
  up: (ops) =>
    perOperation(ops, (op) => {
      switch (op.kind) {
        case 'createTable':
          return [createTableSql(q, op, (c) => `${q.ident(c.name)} ${storeType(c.type)}${c.nullable ? ' NULL' : ' NOT NULL'}`, ' CHARACTER SET=utf8mb4')];
        case 'createIndex':
          return [createIndexSql(q, op)];
        case 'alterColumn':
          return [`ALTER TABLE ${q.table(op.table)} MODIFY COLUMN ${q.ident(op.column.name)} ${storeType(op.column.type)}${op.column.nullable ? ' NULL' : ' NOT NULL'};`];
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
          return [`ALTER TABLE ${q.table(op.table)} MODIFY COLUMN ${q.ident(op.column.name)} ${storeType(op.old.type)}${op.old.nullable ? ' NULL' : ' NOT NULL'};`];
      }
    }),
  historyCreate(history) {
    return `CREATE TABLE IF NOT EXISTS ${q.table(history)} (\n    \`MigrationId\` varchar(150) CHARACTER SET utf8mb4 NOT NULL,\n    \`ProductVersion\` varchar(32) CHARACTER SET utf8mb4 NOT NULL,\n    CONSTRAINT \`PK___EFMigrationsHistory\` PRIMARY KEY (\`MigrationId\`)\n) CHARACTER SET=utf8mb4;`;
  },
  historyInsert: (history, id, version) => historyInsertSql(q, history, id, version),
  historyDelete: (history, id) => historyDeleteSql(q, history, id),
  guardScript(history, id, statements, applied) {
    // As Pomelo's idempotent scripts do: a temporary procedure per statement that checks the history first.
    return statements.map((statement) =>
      [
        'DROP PROCEDURE IF EXISTS MigrationsScript;',
        'DELIMITER //',
        'CREATE PROCEDURE MigrationsScript()',
        'BEGIN',
        `    IF ${applied ? '' : 'NOT '}EXISTS(SELECT 1 FROM ${q.table(history)} WHERE \`MigrationId\` = ${q.literal(id)}) THEN`,
        `    ${statement.split('\n').join('\n    ')}`,
        '    END IF;',
        'END //',
        'DELIMITER ;',
        'CALL MigrationsScript();',
        'DROP PROCEDURE MigrationsScript;',
      ].join('\n'),
    );
  },
  scriptBatch: (statements) => transactionScript('START TRANSACTION;', statements),
  tooLong: (db, table, column, length, keyColumn) => tooLongRows(db, q, { table, column, length, keyColumn }, 'char_length', 'limit'),

  /** GET_LOCK on one session, checked (1 acquired, 0 timed out, NULL error), released at the end. */
  async withMigrationLock(db, options, fn) {
    return db.connection().execute(async (conn) => {
      const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
      const got = await sql<{ r: number | null }>`select get_lock(${LOCK_NAME}, ${seconds}) as r`.execute(conn);
      const r = got.rows[0]?.r;
      if (r !== 1 && Number(r) !== 1) {
        const holder = await sql<{ ID: number; USER: string; HOST: string; TIME: number }>`
          select p.ID, p.USER, p.HOST, p.TIME from information_schema.PROCESSLIST p where p.ID = is_used_lock(${LOCK_NAME})`.execute(conn);
        const h = holder.rows[0];
        throw new UserError(
          r === null
            ? `could not take the migration lock ${LOCK_NAME} (GET_LOCK returned NULL)`
            : `timed out after ${seconds}s waiting for the migration lock ${LOCK_NAME}, held by ${h ? `connection ${h.ID} (user ${h.USER} from ${h.HOST}, ${h.TIME}s)` : 'another session'}`,
          { hint: 'wait for the other migration to finish, or raise --lock-timeout' },
        );
      }
      try {
        return await fn(conn);
      } finally {
        await sql`select release_lock(${LOCK_NAME})`.execute(conn).catch(() => undefined);
      }
    });
  },
};
