/** `passkey-migrate db rollback`: undo exactly what AddPasskeySupport did, refusing to lose passkeys without --force. */
import { sql, type Kysely } from 'kysely';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { readJournal, removeJournal } from '../apply/db-journal.js';
import { ensureHistoryTable, explained } from '../apply/db-apply.js';
import { faultPoint } from '../apply/fault.js';
import { definitionFor, describe, HISTORY, readDbState } from '../plan/db-plan.js';
import type { MigrationDefinition } from '../plan/passkey-migration.js';
import { printSql } from './plan-output.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadDbContext, openDatabase, type DbCommandOptions, type DbContext } from './db-context.js';

export interface DbRollbackOptions extends DbCommandOptions {
  force?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  check?: boolean;
}

interface RollbackPlan {
  id: string | null;
  passkeys: number;
  /** with the journal of the run that applied it: the old column types come back too */
  journal: boolean;
  steps: { kind: string; description: string; sql: string[] }[];
}

/** What rolling back would do, read on this connection (null: nothing to roll back). */
async function planRollback(tx: Kysely<any>, ctx: DbContext): Promise<RollbackPlan | null> {
  const state = await readDbState(tx, ctx.dialect, ctx.facts);
  if (!state.appliedId && state.passkeys === 'absent') return null;
  const passkeys = ctx.facts.identity.tables.userPasskeys;
  let count = 0;
  if (state.passkeys !== 'absent') {
    const rows = await sql<{ n: number | string }>`select count(*) as n from ${sql.raw(ctx.dialect.quoteTable(passkeys))}`.execute(tx);
    count = Number(rows.rows[0]?.n ?? 0);
  }
  const id = state.appliedId;
  const journal = id ? readJournal(ctx.journalDir, id) : null;
  // Without a journal only the passkeys table is known to be ours: existing columns stay as they are.
  const definition: MigrationDefinition = journal ?? (await definitionFor({ facts: ctx.facts, provider: ctx.provider, keepExistingColumns: true }, state));
  const ops = definition.operations.filter((op) => op.kind !== 'createTable' || state.passkeys !== 'absent');
  const steps = ctx.dialect
    .down(ops)
    .filter((s) => s.statements.length)
    .map((s) => ({ kind: `undo-${s.op.kind}`, description: `undo: ${describe(s.op)}`, sql: s.statements }));
  if (id) steps.push({ kind: 'history', description: `remove ${id} from ${HISTORY.name}`, sql: [ctx.dialect.historyDelete(HISTORY, id)] });
  return { id, passkeys: count, journal: Boolean(journal), steps };
}

function refuseLosingPasskeys(plan: RollbackPlan, ctx: DbContext, force: boolean): void {
  if (plan.passkeys === 0 || force) return;
  const n = plan.passkeys;
  throw new UserError(
    `${ctx.facts.identity.tables.userPasskeys.name} holds ${n} passkey${n === 1 ? '' : 's'}; rolling back deletes ${n === 1 ? 'it' : 'them'} and their users can no longer sign in with ${n === 1 ? 'it' : 'them'}`,
    { hint: 'pass --force to roll back anyway', code: 'passkeys-exist' },
  );
}

export async function dbRollback(options: DbRollbackOptions, out: Output): Promise<number> {
  const ctx = await loadDbContext(options);
  const { db, target } = await openDatabase(ctx, options);
  try {
    const dbDoc = (plan: RollbackPlan | null, status: 'up-to-date' | 'pending' | 'rolled-back') => ({
      target: target.display,
      status,
      migrationId: plan?.id ?? null,
      productVersion: null,
      steps: plan?.steps ?? [],
      problems: [],
    });
    // Nothing to roll back: say so without writing anything (no history table, no lock table).
    const before = await explained(ctx.dialect, db, 'read the database', () => planRollback(db, ctx));
    if (options.check || options.dryRun) {
      if (out.json) out.document({ command: 'db rollback', status: before ? 'pending' : 'up-to-date', database: dbDoc(before, before ? 'pending' : 'up-to-date') });
      else if (!before) out.line(`nothing to roll back: ${target.display} has no AddPasskeySupport`);
      else {
        out.line(
          `${out.style('warn', 'would roll back')} ${before.id ?? 'AddPasskeySupport'} on ${target.display}${before.passkeys ? ` (deleting ${before.passkeys} passkeys: needs --force)` : ''}:`,
        );
        for (const step of before.steps) {
          out.line(`  - ${step.description}`);
          if (options.dryRun) printSql(out, step.sql);
        }
      }
      return before && options.check ? ExitCode.pending : ExitCode.ok;
    }
    if (before) refuseLosingPasskeys(before, ctx, options.force ?? false);
    if (before) await ensureHistoryTable(db, ctx.dialect); // the lock needs it (PostgreSQL)
    const result = !before
      ? null
      : await ctx.dialect.withMigrationLock(db, { timeoutMs: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS, history: HISTORY }, async (tx) => {
          // Read again under the lock: another run may have changed it meanwhile.
          const plan = await planRollback(tx, ctx);
          if (!plan) return null;
          refuseLosingPasskeys(plan, ctx, options.force ?? false);
          const history = plan.id ? plan.steps.pop() : undefined;
          for (const step of plan.steps) for (const statement of step.sql) await sql.raw(statement).execute(tx);
          faultPoint('rollbackDown');
          if (history) {
            for (const statement of history.sql) await sql.raw(statement).execute(tx);
            plan.steps.push(history);
          }
          return plan;
        });
    if (result?.id) removeJournal(ctx.journalDir, result.id);
    if (out.json) {
      out.document({ command: 'db rollback', status: result ? 'applied' : 'up-to-date', database: dbDoc(result, result ? 'rolled-back' : 'up-to-date') });
    } else if (!result) {
      out.line(`nothing to roll back: ${target.display} has no AddPasskeySupport`);
    } else {
      out.line(`${out.style('ok', 'rolled back')} ${result.id ?? 'AddPasskeySupport'} on ${target.display}:`);
      for (const step of result.steps) out.line(`  - ${step.description}`);
      if (!result.journal) out.warn('no database journal was found, so existing columns were left as they are');
    }
    return ExitCode.ok;
  } finally {
    await db.destroy();
  }
}
