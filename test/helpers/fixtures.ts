/**
 * Materializes a fixture app in a scratch folder with its database created from the SQL script that EF Core itself
 * generated for it (fixtures/<name>/db/<provider>.sql, made with `dotnet ef migrations script`).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot } from './run.js';
import { mysqlSettings, pgSettings } from './services.js';

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

/** Runs one statement on the PostgreSQL server's maintenance database. */
async function pgAdmin(statement: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(pgSettings('postgres'));
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  connectionString: string;
  database: string;
  drop(): Promise<void>;
}

function pgDatabase(database: string): ScratchDatabase {
  return {
    database,
    connectionString: `${process.env.PKM_PG};Database=${database}`,
    drop: () => pgAdmin(`drop database if exists ${database} with (force)`),
  };
}

const scratchName = () => `pkm_${randomBytes(5).toString('hex')}`;

export async function createPostgres(script: string): Promise<ScratchDatabase> {
  const db = pgDatabase(scratchName());
  await pgAdmin(`create database ${db.database}`);
  const { default: pg } = await import('pg');
  const client = new pg.Client(pgSettings(db.database));
  await client.connect();
  await client.query(script);
  await client.end();
  return db;
}

/** A copy of a PostgreSQL database (CREATE DATABASE ... TEMPLATE), rows included. */
export async function copyPostgres(template: string): Promise<ScratchDatabase> {
  const db = pgDatabase(scratchName());
  await pgAdmin(`create database ${db.database} template ${template}`);
  return db;
}

export async function createMysql(script: string): Promise<ScratchDatabase> {
  const mysql = await import('mysql2/promise');
  const database = scratchName();
  const conn = await mysql.createConnection({ ...mysqlSettings(), multipleStatements: true });
  await conn.query(`create database ${database}`);
  await conn.query(`use ${database}`);
  await conn.query(script);
  await conn.end();
  return {
    database,
    connectionString: `${process.env.PKM_MYSQL};Database=${database}`,
    async drop() {
      const c = await mysql.createConnection(mysqlSettings());
      await c.query(`drop database if exists ${database}`);
      await c.end();
    },
  };
}

/**
 * A fixture defined as another fixture plus changes (fixtures/<name>/remove.txt and overlay/): the base is copied,
 * the listed paths removed, the overlay copied on top.
 */
export function copyOverlayFixture(fixture: string, base: string): string {
  const dir = copyFixture(base);
  const own = path.join(repoRoot, 'fixtures', fixture);
  for (const line of readFileSync(path.join(own, 'remove.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    rmSync(path.join(dir, line), { recursive: true, force: true });
  }
  if (existsSync(path.join(own, 'overlay'))) cpSync(path.join(own, 'overlay'), dir, { recursive: true });
  rmSync(path.join(dir, 'FIXTURE.md'), { force: true });
  cpSync(path.join(own, 'FIXTURE.md'), path.join(dir, 'FIXTURE.md'));
  rmSync(path.join(dir, 'BASE'), { force: true });
  return dir;
}

/** The standard materializations, one per fixture. */
export async function materialize(fixture: string): Promise<Materialized> {
  // An overlay fixture names its base in BASE (the mvc-* ones predate that file).
  const baseFile = path.join(repoRoot, 'fixtures', fixture, 'BASE');
  const base = existsSync(baseFile) ? readFileSync(baseFile, 'utf8').trim() : fixture === 'mvc-area-minimal' || fixture === 'mvc-no-manage' ? 'mvc-startup' : null;
  const dir = base ? copyOverlayFixture(fixture, base) : copyFixture(fixture);
  const done = async () => rmSync(dir, { recursive: true, force: true });
  if (base === 'scaffolded-pages') {
    await createSqlite(path.join(dir, 'bookings.db'), efScript(base, 'sqlite'));
    return { dir, env: {}, cleanup: done };
  }
  switch (fixture) {
    case 'webapp-sqlite':
    case 'module-tables':
      await createSqlite(path.join(dir, 'app.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'scaffolded-pages':
      await createSqlite(path.join(dir, 'bookings.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'mvc-startup':
    case 'mvc-area-minimal':
    case 'mvc-no-manage':
      await createSqlite(path.join(dir, 'ledger.db'), efScript('mvc-startup', 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'preprocessor-bom':
      await createSqlite(path.join(dir, 'journal.db'), efScript(fixture, 'sqlite'));
      // dotnet run takes the connection string from the launch profile; the tests' app runs see it too.
      return { dir, env: { ConnectionStrings__JournalDb: 'Data Source=journal.db' }, cleanup: done };
    case 'cpm-layered':
      await createSqlite(path.join(dir, 'src', 'Portal.Web', 'portal.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'design-factory':
      await createSqlite(path.join(dir, 'atelier.db'), efScript(fixture, 'sqlite'));
      return { dir, env: {}, cleanup: done };
    case 'guid-postgres': {
      const db = await createPostgres(efScript(fixture, 'postgres'));
      return {
        dir,
        env: { ConnectionStrings__Crm: db.connectionString },
        connectionString: db.connectionString,
        database: db.database,
        cleanup: async () => {
          await db.drop();
          await done();
        },
      };
    }
    case 'multi-mysql':
    case 'mysql-startup-migrate': {
      const db = await createMysql(efScript('multi-mysql', 'mysql'));
      return {
        dir,
        env: { ConnectionStrings__ShopDb: db.connectionString },
        connectionString: db.connectionString,
        database: db.database,
        cleanup: async () => {
          await db.drop();
          await done();
        },
      };
    }
    default:
      if (!existsSync(path.join(repoRoot, 'fixtures', fixture))) throw new Error(`no fixture ${fixture}`);
      return { dir, env: {}, cleanup: done };
  }
}
