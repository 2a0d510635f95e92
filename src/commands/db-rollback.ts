/** `passkey-migrate db rollback`: undo exactly what AddPasskeySupport did, refusing to lose passkeys without --force. */
import { sql } from 'kysely';
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { readJournal, removeJournal } from '../apply/db-journal.js';
import { ensureHistoryTable, explained } from '../apply/db-apply.js';
import { faultPoint } from '../apply/fault.js';
import { definitionFor, describe, HISTORY, readDbState } from '../plan/db-plan.js';
import type { MigrationDefinition } from '../plan/passkey-migration.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadDbContext, openDatabase, type DbCommandOptions } from './db-context.js';

export interface DbRollbackOptions extends DbCommandOptions {
  force?: boolean;
}

export async function dbRollback(options: DbRollbackOptions, out: Output): Promise<number> {
  const ctx = await loadDbContext(options);
  const { db, target } = await openDatabase(ctx, options);
  try {
    // Nothing to roll back: say so without writing anything (no history table, no lock table).
    const before = await explained(ctx.dialect, db, 'read the database', () => readDbState(db, ctx.dialect, ctx.facts));
    if (before.appliedId || before.passkeys !== 'absent') await ensureHistoryTable(db, ctx.dialect); // the lock needs it (PostgreSQL)
    const result =
      !before.appliedId && before.passkeys === 'absent'
        ? null
        : await ctx.dialect.withMigrationLock(db, { timeoutMs: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS, history: HISTORY }, async (tx) => {
            const state = await readDbState(tx, ctx.dialect, ctx.facts);
            if (!state.appliedId && state.passkeys === 'absent') return null;
            const passkeys = ctx.facts.identity.tables.userPasskeys;
            if (state.passkeys !== 'absent') {
              const rows = await sql<{ n: number | string }>`select count(*) as n from ${sql.raw(ctx.dialect.quoteTable(passkeys))}`.execute(tx);
              const count = Number(rows.rows[0]?.n ?? 0);
              if (count > 0 && !options.force) {
                throw new UserError(
                  `${passkeys.name} holds ${count} passkey${count === 1 ? '' : 's'}; rolling back deletes ${count === 1 ? 'it' : 'them'} and their users can no longer sign in with ${count === 1 ? 'it' : 'them'}`,
                  {
                    hint: 'pass --force to roll back anyway',
                  },
                );
              }
            }
            const id = state.appliedId;
            const journal = id ? readJournal(ctx.journalDir, id) : null;
            // Without a journal only the passkeys table is known to be ours: existing columns stay as they are.
            const definition: MigrationDefinition = journal ?? (await definitionFor({ facts: ctx.facts, provider: ctx.provider, keepExistingColumns: true }, state));
            const ops = definition.operations.filter((op) => op.kind !== 'createTable' || state.passkeys !== 'absent');
            const steps = ctx.dialect.down(ops);
            for (const step of steps) for (const statement of step.statements) await sql.raw(statement).execute(tx);
            faultPoint('rollbackDown');
            if (id) await sql.raw(ctx.dialect.historyDelete(HISTORY, id)).execute(tx);
            return { id, steps: steps.filter((s) => s.statements.length).map((s) => `undo: ${describe(s.op)}`), journal: Boolean(journal) };
          });
    if (result?.id) removeJournal(ctx.journalDir, result.id);
    if (out.json) {
      out.document({
        command: 'db rollback',
        status: result ? 'rolled-back' : 'nothing-to-do',
        database: target.display,
        migration: result?.id ?? null,
        steps: result?.steps ?? [],
      });
    } else if (!result) {
      out.line(`nothing to roll back: ${target.display} has no AddPasskeySupport`);
    } else {
      out.line(`${out.style('ok', 'rolled back')} ${result.id ?? 'AddPasskeySupport'} on ${target.display}:`);
      for (const step of result.steps) out.line(`  - ${step}`);
      if (result.id) out.line(`  - removed ${result.id} from __EFMigrationsHistory`);
      if (!result.journal) out.warn('no database journal was found, so existing columns were left as they are');
    }
    return ExitCode.ok;
  } finally {
    await db.destroy();
  }
}
