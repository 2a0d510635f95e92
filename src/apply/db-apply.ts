/**
 * Applies AddPasskeySupport: history table first (as EF does), then under EF's migration lock re-reads the
 * database, re-plans, refuses any narrowing that would cut existing values, runs the remaining steps and records
 * the history row. One transaction where the engine rolls DDL back; on MySQL/MariaDB ordered steps that a re-run
 * completes (the history row goes last).
 */
import { sql, type Kysely } from 'kysely';
import { UserError } from '../core/errors.js';
import type { Dialect } from '../db/dialect.js';
import { HISTORY, planDatabase, type DbPlan, type DbPlanInputs } from '../plan/db-plan.js';
import { recordJournal } from './db-journal.js';
import { faultPoint } from './fault.js';

export interface ApplyResult {
  status: 'applied' | 'up-to-date';
  plan: DbPlan;
}

export async function ensureHistoryTable(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (await dialect.tableExists(db, HISTORY)) return;
  try {
    await sql.raw(dialect.historyCreate(HISTORY)).execute(db);
  } catch (error) {
    // Another process created it at the same moment.
    if (!(await dialect.tableExists(db, HISTORY))) throw error;
  }
}

export async function applyDatabase(
  db: Kysely<any>,
  dialect: Dialect,
  inputs: DbPlanInputs & { lockTimeoutMs: number; journalDir: string },
): Promise<ApplyResult> {
  await ensureHistoryTable(db, dialect);
  return dialect.withMigrationLock(db, { timeoutMs: inputs.lockTimeoutMs, history: HISTORY }, async (tx) => {
    faultPoint('locked');
    const plan = await planDatabase(tx, dialect, inputs);
    if (plan.status === 'blocked') {
      throw new UserError(plan.blockers.join('; '), { hint: 'fix or drop the table by hand, then run db update again' });
    }
    if (plan.status === 'up-to-date') return { status: 'up-to-date', plan };

    for (const step of plan.steps) {
      if (step.op?.kind !== 'alterColumn') continue;
      const { table, column } = step.op;
      const keyColumn = table.name === inputs.facts.identity.tables.users.name ? 'Id' : 'UserId';
      const cut = await dialect.tooLong(tx, table, column.name, column.maxLength ?? 0, keyColumn);
      if (cut.count > 0) {
        throw new UserError(
          `refusing to shorten ${table.name}.${column.name} to ${column.maxLength} characters: ${cut.count} row${cut.count === 1 ? '' : 's'} hold${cut.count === 1 ? 's' : ''} longer values (${keyColumn} ${cut.keys.join(', ')}${cut.count > cut.keys.length ? ', ...' : ''})`,
          { hint: 'shorten those values first, or pass --keep-existing-columns to leave existing columns as they are' },
        );
      }
    }
    recordJournal(inputs.journalDir, plan.definition);
    faultPoint('journal');
    for (const step of plan.steps) {
      for (const statement of step.statements) await sql.raw(statement).execute(tx);
      faultPoint(step.kind);
    }
    faultPoint('beforeCommit');
    return { status: 'applied', plan };
  });
}
