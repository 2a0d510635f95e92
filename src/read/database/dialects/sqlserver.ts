import { sql, type Kysely } from 'kysely';
import { UserError } from '../../../core/errors.js';
import { registerSecret } from '../../../core/redact.js';
import { connectFailure, parseConnectionString, pick, type ColumnInfo, type Dialect, type TableRef } from '../dialect.js';

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
  return { host: host === '.' || /^\(local\)$/i.test(host ?? '') ? 'localhost' : host ?? 'localhost', port: portText ? Number(portText) : 1433, instanceName, database, user, password, integrated, trust, encrypt };
}

export const sqlServerDialect: Dialect = {
  provider: 'sqlserver',
  label: 'SQL Server',
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
    const tedious = await import('tedious');
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
