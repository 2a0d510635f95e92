/**
 * Materializes a fixture app in a scratch folder with its database created from the SQL script that EF Core itself
 * generated for it (fixtures/<name>/db/<provider>.sql, made with `dotnet ef migrations script`).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot } from './run.js';

export interface Materialized {
  dir: string;
  /** environment that points the app's connection string at the scratch database */
  env: NodeJS.ProcessEnv;
  connectionString?: string;
  database?: string;
  cleanup(): Promise<void>;
}

export function efScript(fixture: string, provider: string): string {
  return readFileSync(path.join(repoRoot, 'fixtures', fixture, 'db', `${provider}.sql`), 'utf8').replace(/^\uFEFF/, '');
}

export function copyFixture(fixture: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `pkm-${fixture}-`));
  cpSync(path.join(repoRoot, 'fixtures', fixture), dir, {
    recursive: true,
    filter: (src) => !/[\\/](bin|obj)$/.test(src) && !/\.db(-shm|-wal)?$/.test(src),
  });
  return dir;
}

export async function createSqlite(file: string, script: string): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.exec(script);
  db.close();
}

export async function createPostgres(script: string): Promise<{ connectionString: string; database: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const base = parse(process.env.PKM_PG!);
  const database = `pkm_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ host: base.host, port: Number(base.port), user: base.username, password: base.password, database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const client = new pg.Client({ host: base.host, port: Number(base.port), user: base.username, password: base.password, database });
  await client.connect();
  await client.query(script);
  await client.end();
  return {
    database,
    connectionString: `${process.env.PKM_PG};Database=${database}`,
    async drop() {
      const c = new pg.Client({ host: base.host, port: Number(base.port), user: base.username, password: base.password, database: 'postgres' });
      await c.connect();
      await c.query(`drop database if exists ${database} with (force)`);
      await c.end();
    },
  };
}

/** A copy of a PostgreSQL database (CREATE DATABASE ... TEMPLATE), rows included. */
export async function copyPostgres(template: string): Promise<{ connectionString: string; database: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const base = parse(process.env.PKM_PG!);
  const database = `pkm_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ host: base.host, port: Number(base.port), user: base.username, password: base.password, database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${database} template ${template}`);
  await admin.end();
  return {
    database,
    connectionString: `${process.env.PKM_PG};Database=${database}`,
    async drop() {
      const c = new pg.Client({ host: base.host, port: Number(base.port), user: base.username, password: base.password, database: 'postgres' });
      await c.connect();
      await c.query(`drop database if exists ${database} with (force)`);
      await c.end();
    },
  };
}

export async function createMysql(script: string): Promise<{ connectionString: string; database: string; drop(): Promise<void> }> {
  const mysql = await import('mysql2/promise');
  const base = parse(process.env.PKM_MYSQL!);
  const database = `pkm_${randomBytes(5).toString('hex')}`;
  const conn = await mysql.createConnection({ host: base.server, port: Number(base.port), user: base.user, password: base.password, multipleStatements: true });
  await conn.query(`create database ${database}`);
  await conn.query(`use ${database}`);
  await conn.query(script);
  await conn.end();
  return {
    database,
    connectionString: `${process.env.PKM_MYSQL};Database=${database}`,
    async drop() {
      const c = await mysql.createConnection({ host: base.server, port: Number(base.port), user: base.user, password: base.password });
      await c.query(`drop database if exists ${database}`);
      await c.end();
    },
  };
}

function parse(connectionString: string): Record<string, string> {
  return Object.fromEntries(
    connectionString.split(';').filter(Boolean).map((part) => {
      const [k, ...v] = part.split('=');
      return [k!.trim().toLowerCase(), v.join('=')];
    }),
  );
}

/** The standard materializations, one per fixture. */
export async function materialize(fixture: string): Promise<Materialized> {
  const dir = copyFixture(fixture);
  const done = async () => rmSync(dir, { recursive: true, force: true });
  switch (fixture) {
    case 'webapp-sqlite':
      await createSqlite(path.join(dir, 'app.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'scaffolded-pages':
      await createSqlite(path.join(dir, 'bookings.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'mvc-startup':
      await createSqlite(path.join(dir, 'ledger.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'guid-postgres': {
      const db = await createPostgres(efScript(fixture, 'postgres'));
      return { dir, env: { ConnectionStrings__Crm: db.connectionString }, connectionString: db.connectionString, database: db.database, cleanup: async () => { await db.drop(); await done(); } };
    }
    case 'multi-mysql': {
      const db = await createMysql(efScript(fixture, 'mysql'));
      return { dir, env: { ConnectionStrings__ShopDb: db.connectionString }, connectionString: db.connectionString, database: db.database, cleanup: async () => { await db.drop(); await done(); } };
    }
    default:
      if (!existsSync(path.join(repoRoot, 'fixtures', fixture))) throw new Error(`no fixture ${fixture}`);
      return { dir, env: {}, cleanup: done };
  }
}
