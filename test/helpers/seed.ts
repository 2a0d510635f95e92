/** Existing users for the databases under test: users, their claims and external logins, with real-looking data. */
import { randomUUID } from 'node:crypto';
import { mysqlSettings, pgSettings } from './services.js';

export interface SeedTarget {
  kind: 'sqlite' | 'postgres' | 'mysql';
  /** SQLite file, or database name */
  target: string;
  users: string;
  claims: string;
  logins: string;
  schema?: string;
  key: 'string' | 'uuid' | 'int';
}

function rowsFor(count: number, start: number, key: SeedTarget['key'], phone?: (i: number) => string | null) {
  return Array.from({ length: count }, (_, n) => {
    const i = start + n;
    return {
      id: key === 'int' ? undefined : randomUUID(),
      name: `user${i}@example.test`,
      phone: phone ? phone(i) : i % 3 === 0 ? null : `+1 555 01${String(i).padStart(4, '0')}`,
    };
  });
}

export async function seedUsers(t: SeedTarget, count: number, options: { phone?: (i: number) => string | null; start?: number } = {}): Promise<void> {
  const rows = rowsFor(count, options.start ?? 0, t.key, options.phone);
  const q = t.kind === 'mysql' ? (s: string) => `\`${s}\`` : (s: string) => `"${s}"`;
  const table = (name: string) => (t.schema ? `${q(t.schema)}.${q(name)}` : q(name));
  const bool = (v: boolean) => (t.kind === 'postgres' ? (v ? 'true' : 'false') : v ? '1' : '0');
  const lit = (v: string | null | undefined) => (v == null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
  const statements: string[] = [];
  for (const r of rows) {
    const cols = [
      'UserName',
      'NormalizedUserName',
      'Email',
      'NormalizedEmail',
      'EmailConfirmed',
      'PhoneNumber',
      'PhoneNumberConfirmed',
      'TwoFactorEnabled',
      'LockoutEnabled',
      'AccessFailedCount',
    ];
    const vals = [lit(r.name), lit(r.name.toUpperCase()), lit(r.name), lit(r.name.toUpperCase()), bool(true), lit(r.phone), bool(false), bool(false), bool(true), '0'];
    if (r.id) {
      cols.unshift('Id');
      vals.unshift(lit(r.id));
    }
    statements.push(`INSERT INTO ${table(t.users)} (${cols.map(q).join(', ')}) VALUES (${vals.join(', ')})`);
    const userId = r.id ? lit(r.id) : `(SELECT ${q('Id')} FROM ${table(t.users)} WHERE ${q('UserName')} = ${lit(r.name)})`;
    statements.push(`INSERT INTO ${table(t.claims)} (${q('UserId')}, ${q('ClaimType')}, ${q('ClaimValue')}) VALUES (${userId}, 'plan', 'gold')`);
    statements.push(
      `INSERT INTO ${table(t.logins)} (${q('LoginProvider')}, ${q('ProviderKey')}, ${q('ProviderDisplayName')}, ${q('UserId')}) VALUES ('GitHub', ${lit(`gh-${r.name}`)}, 'GitHub', ${userId})`,
    );
  }
  await execute(t, statements);
}

export async function execute(t: Pick<SeedTarget, 'kind' | 'target'>, statements: string[]): Promise<void> {
  if (t.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(t.target);
    db.transaction(() => statements.forEach((s) => db.exec(s)))();
    db.close();
  } else if (t.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client(pgSettings(t.target));
    await client.connect();
    await client.query(`BEGIN; ${statements.join(';\n')}; COMMIT;`);
    await client.end();
  } else {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({ ...mysqlSettings(t.target), multipleStatements: true });
    await conn.query(`START TRANSACTION; ${statements.join(';\n')}; COMMIT;`);
    await conn.end();
  }
}
