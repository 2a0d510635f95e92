/** Pieces of DDL text shared by the engines that spell them alike. */
import type { AlterColumnOp, CreateIndexOp, CreateTableOp, Operation } from '../model/schema.js';
import { sql, type Kysely } from 'kysely';
import type { TableRef } from './dialect.js';

export interface Quoting {
  ident(name: string): string;
  table(ref: TableRef): string;
  literal(value: string): string;
}

export const ansiQuoting = (schemaBare = false): Quoting => ({
  ident: (name) => `"${name.replace(/"/g, '""')}"`,
  // Npgsql writes a schema bare when it needs no quotes (auth."AspNetUsers")
  table: (ref) =>
    ref.schema
      ? `${schemaBare && /^[a-z_][a-z0-9_]*$/.test(ref.schema) ? ref.schema : `"${ref.schema.replace(/"/g, '""')}"`}."${ref.name.replace(/"/g, '""')}"`
      : `"${ref.name.replace(/"/g, '""')}"`,
  literal: (value) => `'${value.replace(/'/g, "''")}'`,
});

export function columnList(q: Quoting, columns: string[]): string {
  return columns.map((c) => q.ident(c)).join(', ');
}

export function createIndexSql(q: Quoting, op: CreateIndexOp): string {
  return `CREATE ${op.unique ? 'UNIQUE ' : ''}INDEX ${q.ident(op.name)} ON ${q.table(op.table)} (${columnList(q, op.columns)});`;
}

/** CREATE TABLE with the constraint lines EF writes after the columns (all engines but SQLite's inline PK). */
export function createTableSql(q: Quoting, op: CreateTableOp, column: (c: CreateTableOp['columns'][number]) => string, suffix = ''): string {
  const lines = op.columns.map((c) => `    ${column(c)}`);
  lines.push(`    CONSTRAINT ${q.ident(op.primaryKey.name)} PRIMARY KEY (${columnList(q, op.primaryKey.columns)})`);
  for (const fk of op.foreignKeys) {
    lines.push(
      `    CONSTRAINT ${q.ident(fk.name)} FOREIGN KEY (${columnList(q, fk.columns)}) REFERENCES ${q.table(fk.principal)} (${columnList(q, fk.principalColumns)}) ON DELETE ${fk.onDelete.toUpperCase()}`,
    );
  }
  return `CREATE TABLE ${q.table(op.table)} (\n${lines.join(',\n')}\n)${suffix};`;
}

export function historyInsertSql(q: Quoting, history: TableRef, id: string, productVersion: string, prefix = ''): string {
  return `INSERT INTO ${q.table(history)} (${q.ident('MigrationId')}, ${q.ident('ProductVersion')})\nVALUES (${prefix}${q.literal(id)}, ${prefix}${q.literal(productVersion)});`;
}

export function historyDeleteSql(q: Quoting, history: TableRef, id: string, prefix = ''): string {
  return `DELETE FROM ${q.table(history)}\nWHERE ${q.ident('MigrationId')} = ${prefix}${q.literal(id)};`;
}

export function isAlter(op: Operation): op is AlterColumnOp {
  return op.kind === 'alterColumn';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** For engines whose statements depend on one operation only. */
export function perOperation(ops: Operation[], statements: (op: Operation) => string[]): { op: Operation; statements: string[] }[] {
  return ops.map((op) => ({ op, statements: statements(op) }));
}

/**
 * The order EF Core's Down writes a migration's undoing in: what was created is dropped first (last created
 * first), then the altered columns go back in the order Up altered them.
 */
export function downOrder<T extends Operation>(ops: T[]): T[] {
  return [...ops.filter((op) => op.kind !== 'alterColumn').reverse(), ...ops.filter((op) => op.kind === 'alterColumn')];
}

export function reversed(ops: Operation[], statements: (op: Operation) => string[]): { op: Operation; statements: string[] }[] {
  return downOrder(ops).map((op) => ({ op, statements: statements(op) }));
}

/** A migration script as EF writes one: the statements in one transaction, a blank line between them. */
export function transactionScript(begin: string, statements: string[], end: string[] = ['COMMIT;']): string {
  return `${begin}\n${[...statements, ...end].join('\n\n')}\n`;
}

export function dropTableSql(q: Quoting, table: TableRef): string {
  return `DROP TABLE ${q.table(table)};`;
}

/**
 * How many rows hold a value in column longer than length, and the keys of the first five. The engines differ only
 * in the name of the length function and in how they limit rows.
 */
export async function tooLongRows(
  db: Kysely<any>,
  q: Quoting,
  spec: { table: TableRef; column: string; length: number; keyColumn: string },
  lengthFunction: 'length' | 'char_length' | 'len',
  limit: 'limit' | 'top',
): Promise<{ count: number; keys: string[] }> {
  const from = sql.raw(q.table(spec.table));
  const where = sql`${sql.raw(lengthFunction)}(${sql.raw(q.ident(spec.column))}) > ${spec.length}`;
  const key = sql.raw(q.ident(spec.keyColumn));
  const count = await sql<{ n: number | string }>`select count(*) as n from ${from} where ${where}`.execute(db);
  const keys =
    limit === 'top'
      ? await sql<{ k: unknown }>`select top 5 ${key} as k from ${from} where ${where}`.execute(db)
      : await sql<{ k: unknown }>`select ${key} as k from ${from} where ${where} limit 5`.execute(db);
  return { count: Number(count.rows[0]?.n ?? 0), keys: keys.rows.map((r) => String(r.k)) };
}
