/**
 * The lock is EF Core's own: while EF (or anyone) holds it, `db update` waits for the bound, then says so and who
 * holds it, and changes nothing.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

const live: Materialized[] = [];
afterAll(async () => {
  for (const m of live) await m.cleanup();
});

async function fresh(fixture: string) {
  const m = await materialize(fixture);
  live.push(m);
  return m;
}

function parts(conn: string): Record<string, string> {
  return Object.fromEntries(
    conn
      .split(';')
      .filter(Boolean)
      .map((p) => p.split('=') as [string, string]),
  );
}

describe('the migration lock', () => {
  it('SQLite: EF’s __EFMigrationsLock row makes us wait, then stop, naming when it was taken', async () => {
    const m = await fresh('webapp-sqlite');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(m.dir, 'app.db'));
    // What EF Core 9+ does while it migrates.
    db.exec(`CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
             INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-11-24 10:00:00+00:00');`);
    db.close();
    const result = await runCli(['db', 'update', '--project', m.dir, '--lock-timeout', '1500']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/timed out after 2s waiting for EF Core's migration lock \(__EFMigrationsLock\), held since 2026-11-24 10:00:00\+00:00/);
    expect((await runCli(['db', 'update', '--check', '--project', m.dir])).code).toBe(2);
  });

  it('PostgreSQL: a session holding the history table lock is named by pid and application', async () => {
    const m = await fresh('guid-postgres');
    const { default: pg } = await import('pg');
    const p = parts(m.connectionString!);
    const holder = new pg.Client({ host: p.Host, port: Number(p.Port), user: p.Username, password: p.Password, database: p.Database, application_name: 'dotnet-ef-standin' });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE');
    try {
      const result = await runCli(['db', 'update', '--project', m.dir, '--lock-timeout', '1000'], { env: m.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /timed out after 1s waiting for the migration lock on __EFMigrationsHistory, held by pid \d+ \(user postgres, application 'dotnet-ef-standin', from 127\.0\.0\.1\)/,
      );
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await runCli(['db', 'update', '--project', m.dir], { env: m.env })).code).toBe(0);
  });

  it('MariaDB: GET_LOCK held elsewhere is reported with its connection', async () => {
    const m = await fresh('multi-mysql');
    const mysql = await import('mysql2/promise');
    const p = parts(m.connectionString!);
    const holder = await mysql.createConnection({ host: p.Server, port: Number(p.Port), user: p.User, password: p.Password, database: p.Database });
    const [[row]] = (await holder.query("select get_lock('__EFMigrationsLock', 1) as r, connection_id() as id")) as any;
    expect(Number(row.r)).toBe(1);
    try {
      const result = await runCli(['db', 'update', '--project', m.dir, '--lock-timeout', '1000'], { env: m.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`timed out after 1s waiting for the migration lock __EFMigrationsLock, held by connection ${row.id} \\(user root from 127\\.0\\.0\\.1`),
      );
    } finally {
      await holder.end();
    }
    expect((await runCli(['db', 'update', '--project', m.dir], { env: m.env })).code).toBe(0);
  });
});
