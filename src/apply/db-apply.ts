/**
 * Applies AddPasskeySupport: history table first (as EF does), then under EF's migration lock re-reads the
 * database, re-plans, runs every guard (Identity tables present, the database user's rights, no narrowing that
 * would cut existing values), runs the remaining steps and records the history row. One transaction where the
 * engine rolls DDL back; on MySQL/MariaDB ordered steps that a re-run completes (the history row goes last).
 *
 * `whileLocked` runs after the steps, still under the lock and (where the engine allows) before the commit: add
 * writes its files there, so a database that cannot be changed is found before any file is written, and a file
 * that cannot be written rolls the database back.
 */
import { sql, type Kysely } from 'kysely';
import { UserError } from '../core/errors.js';
import type { Dialect } from '../db/dialect.js';
import { HISTORY, planDatabase, type DbPlan, type DbPlanInputs } from '../plan/db-plan.js';
import type { MigrationDefinition, Operation } from '../plan/passkey-migration.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { journalPath, recordJournal } from './db-journal.js';
import { faultPoint } from './fault.js';

export interface ApplyResult {
  status: 'applied' | 'up-to-date';
  plan: DbPlan;
  /** the history table did not exist and was created (a caller that rolls back drops it again) */
  createdHistory: boolean;
}

export interface DbApplyInputs extends DbPlanInputs {
  lockTimeoutMs: number;
  journalDir: string;
  /** records the database journal; default: written to journalDir at once */
  record?: (definition: MigrationDefinition) => void | Promise<void>;
  /** runs under the lock once the steps ran (before the commit where DDL is transactional) */
  whileLocked?: (plan: DbPlan) => Promise<void>;
  /** between steps: throws to abandon (an interruption); the transaction rolls back */
  between?: () => Promise<void> | void;
}

/** Creates EF's history table when it is missing; true when this call created it. */
export async function ensureHistoryTable(db: Kysely<any>, dialect: Dialect): Promise<boolean> {
  if (await dialect.tableExists(db, HISTORY)) return false;
  try {
    await sql.raw(dialect.historyCreate(HISTORY)).execute(db);
    return true;
  } catch (error) {
    // Another process created it at the same moment.
    if (!(await dialect.tableExists(db, HISTORY).catch(() => false))) throw await explain(dialect, error, 'create the history table __EFMigrationsHistory', db);
    return false;
  }
}

/** A database error we understand, as one line; others unchanged. */
export async function explain(dialect: Dialect, error: unknown, doing: string, db?: Kysely<any>): Promise<Error> {
  if (error instanceof UserError) return error;
  const known = await dialect.explainError?.(error, doing, db);
  return known ?? (error instanceof Error ? error : new Error(String(error)));
}

/** Runs database work, turning the failures the engine can name into one line. */
export async function explained<T>(dialect: Dialect, db: Kysely<any>, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw await explain(dialect, error, doing, db);
  }
}

/** Guards that need the database's data or rights: refuse before anything is changed. */
async function guard(tx: Kysely<any>, dialect: Dialect, plan: DbPlan, inputs: DbPlanInputs): Promise<void> {
  const problems = (await dialect.privilegeProblems?.(tx, plan, inputs.facts.identity.tables)) ?? [];
  if (problems.length) {
    throw new UserError(`the database user may not make these changes: ${problems.join('; ')}; nothing was changed`, {
      hint: 'run with a user that owns the Identity tables (pass --connection), or grant those rights',
    });
  }
  // Engines that refuse a narrowing ALTER on longer values count the rows only if it fails (runSteps).
  if (dialect.isValueTooLong) return;
  for (const step of plan.steps) {
    if (step.op?.kind === 'alterColumn') await refuseLongerValues(tx, dialect, step.op, inputs);
  }
}

/** Names the rows whose values a narrowing would cut, and refuses; returns when there are none. */
async function refuseLongerValues(tx: Kysely<any>, dialect: Dialect, op: Extract<Operation, { kind: 'alterColumn' }>, inputs: DbPlanInputs): Promise<void> {
  const { table, column } = op;
  const keyColumn = table.name === inputs.facts.identity.tables.users.name ? 'Id' : 'UserId';
  const cut = await dialect.tooLong(tx, table, column.name, column.maxLength ?? 0, keyColumn);
  if (cut.count > 0) {
    throw new UserError(
      `refusing to shorten ${table.name}.${column.name} to ${column.maxLength} characters: ${cut.count} row${cut.count === 1 ? '' : 's'} hold${cut.count === 1 ? 's' : ''} longer values (${keyColumn} ${cut.keys.join(', ')}${cut.count > cut.keys.length ? ', ...' : ''})`,
      { hint: 'shorten those values first, or pass --keep-existing-columns to leave existing columns as they are' },
    );
  }
}

/**
 * One step's statements. A narrowing ALTER on an engine that refuses longer values runs inside a savepoint: when
 * the engine refuses, the transaction goes back to the savepoint and the rows are counted and named (one scan of
 * the table in the usual case, where no value is too long).
 */
async function runStep(tx: Kysely<any>, db: Kysely<any>, dialect: Dialect, step: DbPlan['steps'][number], inputs: DbPlanInputs): Promise<void> {
  const narrowing = step.op?.kind === 'alterColumn' && dialect.isValueTooLong ? step.op : null;
  if (narrowing) await sql.raw('SAVEPOINT pkm_narrowing').execute(tx);
  try {
    for (const statement of step.statements) await sql.raw(statement).execute(tx);
  } catch (error) {
    if (narrowing && dialect.isValueTooLong!(error)) {
      await sql.raw('ROLLBACK TO SAVEPOINT pkm_narrowing').execute(tx);
      await refuseLongerValues(tx, dialect, narrowing, inputs);
    }
    throw await explain(dialect, error, step.description, db);
  }
  if (narrowing) await sql.raw('RELEASE SAVEPOINT pkm_narrowing').execute(tx);
}

function refuseBlocked(plan: DbPlan): void {
  if (plan.status === 'blocked') {
    throw new UserError(`the database cannot be migrated as it is: ${plan.blockers.join('; ')}; nothing was changed`, {
      hint: 'fix it by hand (or pass --skip-db), then run again',
    });
  }
}

export async function applyDatabase(db: Kysely<any>, dialect: Dialect, inputs: DbApplyInputs): Promise<ApplyResult> {
  // A database that cannot be migrated is refused before anything is created in it (the history table).
  refuseBlocked(await explained(dialect, db, 'read the database', () => planDatabase(db, dialect, inputs)));
  const createdHistory = await ensureHistoryTable(db, dialect);
  // By default the journal is written at once; where the engine rolls a failure back, so is the journal.
  let undoRecord: (() => void) | null = null;
  const record =
    inputs.record ??
    ((definition: MigrationDefinition) => {
      const file = journalPath(inputs.journalDir, definition.id);
      const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
      recordJournal(inputs.journalDir, definition);
      undoRecord = () => (before === null ? rmSync(file, { force: true }) : writeFileAtomic(file, before));
    });
  try {
    const result = await dialect.withMigrationLock(db, { timeoutMs: inputs.lockTimeoutMs, history: HISTORY }, async (tx) => {
      faultPoint('locked');
      const plan = await explained(dialect, db, 'read the database', () => planDatabase(tx, dialect, inputs));
      refuseBlocked(plan);
      if (plan.status === 'up-to-date') {
        await inputs.whileLocked?.(plan);
        return { status: 'up-to-date' as const, plan };
      }
      await guard(tx, dialect, plan, inputs);
      // A migration already recorded (only its index is made again) keeps the journal of its first run: that one
      // holds the column types db rollback restores.
      if (!plan.state.appliedId) await record(plan.definition);
      faultPoint('journal');
      for (const step of plan.steps) {
        await runStep(tx, db, dialect, step, inputs);
        faultPoint(step.kind);
        await inputs.between?.();
      }
      await inputs.whileLocked?.(plan);
      faultPoint('beforeCommit');
      return { status: 'applied' as const, plan };
    });
    return { ...result, createdHistory };
  } catch (error) {
    if (dialect.transactionalDdl) (undoRecord as (() => void) | null)?.();
    // The history table this run created goes again while nothing is in it: the database is as before.
    if (createdHistory) await dropIfEmpty(db, dialect, HISTORY).catch(() => undefined);
    throw error;
  }
}

/** Drops one of EF's bookkeeping tables when it exists and holds no rows. */
export async function dropIfEmpty(db: Kysely<any>, dialect: Dialect, table: { name: string; schema: string | null }): Promise<boolean> {
  if (!(await dialect.tableExists(db, table))) return false;
  const rows = await sql<{ n: number | string }>`select count(*) as n from ${sql.raw(dialect.quoteTable(table))}`.execute(db);
  if (Number(rows.rows[0]?.n ?? 0) !== 0) return false;
  await sql.raw(`DROP TABLE ${dialect.quoteTable(table)}`).execute(db);
  return true;
}
