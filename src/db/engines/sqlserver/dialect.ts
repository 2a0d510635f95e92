import { sqlServerTypes } from './types.js';
import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, parseConnectionString, pick, type ColumnInfo, type Dialect, type OperationStatements, type TableRef, type TableShape } from '../../dialect.js';
import type { Operation } from '../../../model/schema.js';
import { createIndexSql, createTableSql, downOrder, dropTableSql, historyDeleteSql, historyInsertSql, tooLongRows, transactionScript, type Quoting } from '../../sql-common.js';
import { loadDriver } from '../../driver.js';

const q: Quoting = {
  ident: (name) => `[${name.replace(/]/g, ']]')}]`,
  table: (ref) => (ref.schema ? `[${ref.schema.replace(/]/g, ']]')}].[${ref.name.replace(/]/g, ']]')}]` : `[${ref.name.replace(/]/g, ']]')}]`),
  literal: (value) => `N'${value.replace(/'/g, "''")}'`,
};
const LOCK_RESOURCE = '__EFMigrationsLock';

/** EF's SQL Server ALTER COLUMN: drop a default constraint first, through a numbered variable. */
function alterColumnSql(table: TableRef, column: string, type: string, nullable: boolean, varName: string): string {
  const objectId = q.table(table).replace(/'/g, "''");
  return [
    `DECLARE ${varName} nvarchar(max);`,
    `SELECT ${varName} = QUOTENAME([d].[name])`,
    'FROM [sys].[default_constraints] [d]',
    'INNER JOIN [sys].[columns] [c] ON [d].[parent_column_id] = [c].[column_id] AND [d].[parent_object_id] = [c].[object_id]',
    `WHERE ([d].[parent_object_id] = OBJECT_ID(N'${objectId}') AND [c].[name] = ${q.literal(column)});`,
    `IF ${varName} IS NOT NULL EXEC(N'ALTER TABLE ${objectId} DROP CONSTRAINT ' + ${varName} + ';');`,
    `ALTER TABLE ${q.table(table)} ALTER COLUMN ${q.ident(column)} ${type}${nullable ? ' NULL' : ' NOT NULL'};`,
  ].join('\n');
}

function statements(ops: Operation[], direction: 'up' | 'down'): OperationStatements[] {
  let variables = 0;
  const nextVar = () => (variables++ === 0 ? '@var' : `@var${variables - 1}`);
  const list = direction === 'up' ? ops : downOrder(ops);
  return list.map((op) => {
    switch (op.kind) {
      case 'createTable':
        return {
          op,
          statements: direction === 'up' ? [createTableSql(q, op, (c) => `${q.ident(c.name)} ${c.type}${c.nullable ? ' NULL' : ' NOT NULL'}`)] : [dropTableSql(q, op.table)],
        };
      case 'createIndex':
        return { op, statements: direction === 'up' ? [createIndexSql(q, op)] : [] };
      case 'alterColumn': {
        const target = direction === 'up' ? op.column : { ...op.column, ...op.old };
        return { op, statements: [alterColumnSql(op.table, op.column.name, target.type, target.nullable, nextVar())] };
      }
    }
  });
}

async function settings(connectionString: string) {
  const map = await parseConnectionString(connectionString);
  const rawServer = pick(map, 'server', 'data source', 'address', 'addr', 'network address') ?? 'localhost';
  // tcp:host,port or host\instance
  const server = rawServer.replace(/^tcp:/i, '');
  const [hostAndInstance, portText] = server.split(',');
  const [host, instanceName] = (hostAndInstance ?? 'localhost').split('\\');
  const database = pick(map, 'database', 'initial catalog');
  const user = pick(map, 'user id', 'uid', 'user', 'username');
  const password = pick(map, 'password', 'pwd');
  registerSecret(password);
  const integrated = /^(true|yes|sspi)$/i.test(pick(map, 'integrated security', 'trusted_connection') ?? '');
  const trust = /^(true|yes)$/i.test(pick(map, 'trustservercertificate', 'trust server certificate') ?? '');
  const encrypt = !/^(false|no|optional)$/i.test(pick(map, 'encrypt') ?? 'true');
  return {
    host: host === '.' || /^\(local\)$/i.test(host ?? '') ? 'localhost' : (host ?? 'localhost'),
    port: portText ? Number(portText) : 1433,
    instanceName,
    database,
    user,
    password,
    integrated,
    trust,
    encrypt,
  };
}

export const sqlServerDialect: Dialect = {
  provider: 'sqlserver',
  label: sqlServerTypes.label,
  async target(connectionString) {
    const s = await settings(connectionString);
    return { provider: 'sqlserver', display: `${s.host}${s.instanceName ? `\\${s.instanceName}` : `:${s.port}`}/${s.database ?? ''}${s.user ? ` as ${s.user}` : ''}` };
  },
  async open(connectionString, _baseDir, options) {
    const s = await settings(connectionString);
    if (/\(localdb\)/i.test(connectionString)) {
      throw new UserError('the connection string uses SQL Server LocalDB, which runs only on Windows', {
        hint: 'pass --connection with a reachable SQL Server',
      });
    }
    if (s.integrated) {
      throw new UserError('the connection string uses Windows integrated security, which passkey-migrate cannot use', {
        hint: 'pass --connection with "User Id=...;Password=..." for a SQL login',
      });
    }
    const tedious = await loadDriver('tedious', 'SQL Server', () => import('tedious'));
    const { default: tarn } = await import('tarn');
    const { Kysely, MssqlDialect } = await import('kysely');
    const config: import('tedious').ConnectionConfiguration = {
      server: s.host,
      authentication: { type: 'default', options: { userName: s.user, password: s.password } },
      options: {
        database: s.database,
        port: s.instanceName ? undefined : s.port,
        instanceName: s.instanceName,
        encrypt: s.encrypt,
        trustServerCertificate: s.trust,
        connectTimeout: options.connectTimeoutMs,
      },
    };
    await new Promise<void>((resolve, reject) => {
      const probe = new tedious.Connection(config);
      probe.on('connect', (error) => {
        probe.close();
        if (error) {
          reject(
            new UserError(`cannot connect to SQL Server at ${s.host}:${s.port} (database ${s.database ?? '?'}, user ${s.user ?? '?'}): ${connectFailure(error)}`, {
              hint: 'check the connection string, or pass --connection',
            }),
          );
        } else resolve();
      });
      probe.connect();
    });
    return new Kysely<any>({
      dialect: new MssqlDialect({
        tarn: { ...tarn, options: { min: 0, max: 2 } },
        tedious: { ...tedious, connectionFactory: () => new tedious.Connection(config) },
      }),
    });
  },
  async isEmpty(db) {
    const rows = await sql<{ n: number }>`select count(*) as n from sys.tables where is_ms_shipped = 0`.execute(db);
    return Number(rows.rows[0]?.n ?? 0) === 0;
  },
  async tableExists(db, table) {
    const rows = await sql<{ found: number }>`
      select 1 as found from sys.tables t join sys.schemas s on s.schema_id = t.schema_id
      where t.name = ${table.name} and s.name = coalesce(${table.schema}, schema_name())`.execute(db);
    return rows.rows.length > 0;
  },
  async columns(db: Kysely<any>, table: TableRef): Promise<ColumnInfo[]> {
    const rows = await sql<{ name: string; type: string; max_length: number; precision: number; scale: number; nullable: boolean; def: string | null }>`
      select c.name, ty.name as type, c.max_length, c.precision, c.scale, c.is_nullable as nullable, dc.definition as def
      from sys.columns c
      join sys.tables t on t.object_id = c.object_id
      join sys.schemas s on s.schema_id = t.schema_id
      join sys.types ty on ty.user_type_id = c.user_type_id
      left join sys.default_constraints dc on dc.object_id = c.default_object_id
      where t.name = ${table.name} and s.name = coalesce(${table.schema}, schema_name())
      order by c.column_id`.execute(db);
    return rows.rows.map((r) => ({ name: r.name, type: sqlServerType(r.type, r.max_length, r.precision, r.scale), nullable: r.nullable, default: r.def }));
  },
  maxLength(type) {
    const match = /\((\d+)\)/.exec(type);
    return match ? Number(match[1]) : null;
  },
  async shape(db, table): Promise<TableShape> {
    const columns = await this.columns(db, table);
    const object = q.table(table);
    const indexes = await sql<{ name: string; is_unique: boolean; is_primary_key: boolean; col: string }>`
      select i.name, i.is_unique, i.is_primary_key, c.name as col
      from sys.indexes i join sys.index_columns ic on ic.object_id = i.object_id and ic.index_id = i.index_id
      join sys.columns c on c.object_id = ic.object_id and c.column_id = ic.column_id
      where i.object_id = object_id(${object}) order by i.name, ic.key_ordinal`.execute(db);
    const fks = await sql<{ name: string; col: string; ref_table: string; ref_col: string; on_delete: string }>`
      select fk.name, pc.name as col, object_name(fk.referenced_object_id) as ref_table, rc.name as ref_col, fk.delete_referential_action_desc as on_delete
      from sys.foreign_keys fk join sys.foreign_key_columns fkc on fkc.constraint_object_id = fk.object_id
      join sys.columns pc on pc.object_id = fkc.parent_object_id and pc.column_id = fkc.parent_column_id
      join sys.columns rc on rc.object_id = fkc.referenced_object_id and rc.column_id = fkc.referenced_column_id
      where fk.parent_object_id = object_id(${object}) order by fk.name, fkc.constraint_column_id`.execute(db);
    const pkRows = indexes.rows.filter((r) => r.is_primary_key);
    const ixMap = new Map<string, TableShape['indexes'][number]>();
    for (const r of indexes.rows.filter((x) => !x.is_primary_key)) {
      const ix = ixMap.get(r.name) ?? { name: r.name, columns: [], unique: r.is_unique };
      ix.columns.push(r.col);
      ixMap.set(r.name, ix);
    }
    const fkMap = new Map<string, TableShape['foreignKeys'][number]>();
    for (const r of fks.rows) {
      const fk = fkMap.get(r.name) ?? { name: r.name, columns: [], principalTable: r.ref_table, principalColumns: [], onDelete: r.on_delete.replace(/_/g, ' ') };
      fk.columns.push(r.col);
      fk.principalColumns.push(r.ref_col);
      fkMap.set(r.name, fk);
    }
    return {
      columns,
      primaryKey: pkRows.length ? { name: pkRows[0]!.name, columns: pkRows.map((r) => r.col) } : null,
      foreignKeys: [...fkMap.values()],
      indexes: [...ixMap.values()],
    };
  },

  transactionalDdl: true,
  quoteTable: (ref) => q.table(ref),
  up: (ops) => statements(ops, 'up'),
  down: (ops) => statements(ops, 'down'),
  historyCreate(history) {
    const object = q.table(history).replace(/'/g, "''");
    return `IF OBJECT_ID(N'${object}') IS NULL\nBEGIN\n    CREATE TABLE ${q.table(history)} (\n        [MigrationId] nvarchar(150) NOT NULL,\n        [ProductVersion] nvarchar(32) NOT NULL,\n        CONSTRAINT [PK___EFMigrationsHistory] PRIMARY KEY ([MigrationId])\n    );\nEND;`;
  },
  historyInsert: (history, id, version) => historyInsertSql(q, history, id, version),
  historyDelete: (history, id) => historyDeleteSql(q, history, id),
  guardScript(history, id, statementList, applied) {
    return statementList.map(
      (statement) =>
        `IF ${applied ? '' : 'NOT '}EXISTS (\n    SELECT * FROM ${q.table(history)}\n    WHERE [MigrationId] = ${q.literal(id)}\n)\nBEGIN\n    ${statement.split('\n').join('\n    ')}\nEND;`,
    );
  },
  scriptBatch: (statementList) => transactionScript('BEGIN TRANSACTION;', statementList, ['COMMIT;\nGO']),
  tooLong: (db, table, column, length, keyColumn) => tooLongRows(db, q, { table, column, length, keyColumn }, 'len', 'top'),

  /** sp_getapplock on EF's lock resource, owned by our transaction, with a bounded wait; the return code is checked. */
  async withMigrationLock(db, options, fn) {
    return db.transaction().execute(async (tx) => {
      const got = await sql<{
        r: number;
      }>`declare @r int; exec @r = sp_getapplock @Resource = ${LOCK_RESOURCE}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ${Math.round(options.timeoutMs)}; select @r as r`.execute(
        tx,
      );
      const r = Number(got.rows[0]?.r);
      if (!(r >= 0)) {
        const holder = await sql<{ session_id: number; login_name: string; host_name: string; program_name: string }>`
          select s.session_id, s.login_name, s.host_name, s.program_name from sys.dm_tran_locks l
          join sys.dm_exec_sessions s on s.session_id = l.request_session_id
          where l.resource_type = 'APPLICATION' and l.resource_description like ${'%' + LOCK_RESOURCE + '%'} and l.request_status = 'GRANT'`.execute(tx);
        const h = holder.rows[0];
        throw new UserError(
          `${r === -1 ? `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for` : `could not take (sp_getapplock returned ${r})`} the migration lock ${LOCK_RESOURCE}${h ? `, held by session ${h.session_id} (${h.login_name} on ${h.host_name}, ${h.program_name})` : ''}`,
          { hint: 'wait for the other migration to finish, or raise --lock-timeout' },
        );
      }
      return fn(tx);
    });
  },
};

/** sys.columns' max_length is in bytes; types are written the way SQL Server's DDL spells them. */
export function sqlServerType(name: string, maxLength: number, precision: number, scale: number): string {
  switch (name) {
    case 'nvarchar':
    case 'nchar':
      return `${name}(${maxLength === -1 ? 'max' : maxLength / 2})`;
    case 'varchar':
    case 'char':
    case 'varbinary':
    case 'binary':
      return `${name}(${maxLength === -1 ? 'max' : maxLength})`;
    case 'decimal':
    case 'numeric':
      return `${name}(${precision},${scale})`;
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return scale === 7 ? name : `${name}(${scale})`;
    default:
      return name;
  }
}
