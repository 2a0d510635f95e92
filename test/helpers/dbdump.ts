/**
 * Engine-native dumps of a whole database, independent of our own introspection code: sqlite_master, pg_dump
 * --schema-only, SHOW CREATE TABLE. Two databases with equal dumps have the same tables, columns, types,
 * nullability, defaults, keys, foreign keys with delete rules and indexes with names and uniqueness.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mysqlSettings, pgSettings } from './services.js';

export interface Dump {
  schema: string[];
  history: string[];
}

const normalize = (ddl: string) => ddl.replace(/\r\n/g, '\n').replace(/\s+/g, ' ').trim();

export async function dumpSqlite(file: string, options: { ignore?: RegExp } = {}): Promise<Dump> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const schema = db
      .prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name")
      .all()
      .map((r: any) => `${r.type} ${r.name} on ${r.tbl_name}: ${normalize(r.sql ?? '')}`)
      .filter((line) => !options.ignore?.test(line));
    const hasHistory = db.prepare("select 1 from sqlite_master where name = '__EFMigrationsHistory'").get();
    const history = hasHistory
      ? db
          .prepare('select MigrationId, ProductVersion from __EFMigrationsHistory order by MigrationId')
          .all()
          .map((r: any) => `${r.MigrationId} ${r.ProductVersion}`)
      : [];
    return { schema, history };
  } finally {
    db.close();
  }
}

export async function dumpPostgres(database: string): Promise<Dump> {
  const { host, port, user, password } = pgSettings(database);
  const pgBin = execFileSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'], { encoding: 'utf8' }).trim();
  const text = execFileSync(`${pgBin}/pg_dump`, ['--schema-only', '--no-owner', '--no-privileges', '-h', host!, '-p', String(port), '-U', user!, database], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: password },
  });
  const schema = text
    .split(/;\n/)
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.startsWith('--') && !/^\\(un)?restrict /.test(l) && l.trim() !== '')
        .join('\n'),
    )
    .map(normalize)
    .filter((s) => s && !/^SET |^SELECT pg_catalog\.set_config/.test(s))
    .sort();
  const { default: pg } = await import('pg');
  const client = new pg.Client(pgSettings(database));
  await client.connect();
  try {
    const exists = (await client.query(`select to_regclass('"__EFMigrationsHistory"') is not null as e`)).rows[0]?.e;
    if (!exists) return { schema, history: [] };
    const rows = await client.query('select "MigrationId", "ProductVersion" from "__EFMigrationsHistory" order by 1');
    return { schema, history: rows.rows.map((r) => `${r.MigrationId} ${r.ProductVersion}`) };
  } finally {
    await client.end();
  }
}

export async function dumpMysql(database: string): Promise<Dump> {
  const mysql = await import('mysql2/promise');
  const conn = await mysql.createConnection(mysqlSettings(database));
  try {
    const [tables] = (await conn.query('show tables')) as any;
    const schema: string[] = [];
    for (const row of tables) {
      const name = Object.values(row)[0] as string;
      const [create] = (await conn.query(`show create table \`${name}\``)) as any;
      schema.push(normalize(String(create[0]['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '')));
    }
    const [history] = (await conn.query('select MigrationId, ProductVersion from __EFMigrationsHistory order by 1')) as any;
    return { schema: schema.sort(), history: history.map((r: any) => `${r.MigrationId} ${r.ProductVersion}`) };
  } finally {
    await conn.end();
  }
}

/** Row count and a digest of every row of each table, ordered, as the engine returns them. */
export async function checksums(
  kind: 'sqlite' | 'postgres' | 'mysql',
  target: string,
  tables: { name: string; schema?: string | null; orderBy: string }[],
): Promise<Record<string, { rows: number; sha256: string }>> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  const digest = (rows: unknown[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  if (kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target, { readonly: true });
    for (const t of tables) {
      const rows = db.prepare(`select * from "${t.name}" order by ${t.orderBy}`).all();
      out[t.name] = { rows: rows.length, sha256: digest(rows) };
    }
    db.close();
  } else if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client(pgSettings(target));
    await client.connect();
    for (const t of tables) {
      const name = t.schema ? `"${t.schema}"."${t.name}"` : `"${t.name}"`;
      const rows = (await client.query(`select * from ${name} order by ${t.orderBy}`)).rows;
      out[t.name] = { rows: rows.length, sha256: digest(rows) };
    }
    await client.end();
  } else {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection(mysqlSettings(target));
    for (const t of tables) {
      const [rows] = (await conn.query(`select * from \`${t.name}\` order by ${t.orderBy}`)) as any;
      out[t.name] = { rows: rows.length, sha256: digest(rows) };
    }
    await conn.end();
  }
  return out;
}
