/** Pieces of DDL text shared by the engines that spell them alike. */
import type { AlterColumnOp, CreateIndexOp, CreateTableOp, Operation } from '../plan/passkey-migration.js';
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

export function reversed(ops: Operation[], statements: (op: Operation) => string[]): { op: Operation; statements: string[] }[] {
  return [...ops].reverse().map((op) => ({ op, statements: statements(op) }));
}

/** A migration script as EF writes one: the statements in one transaction, a blank line between them. */
export function transactionScript(begin: string, statements: string[], end: string[] = ['COMMIT;']): string {
  return `${begin}\n${[...statements, ...end].join('\n\n')}\n`;
}
