/** `passkey-migrate db update`: apply AddPasskeySupport (or --check, or --script) on the app's database. */
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { applyDatabase, explained } from '../apply/db-apply.js';
import { definitionFor, HISTORY, modelState, planDatabase, stepsFor, type DbPlan } from '../plan/db-plan.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadDbContext, openDatabase, type DbCommandOptions } from './db-context.js';

export interface DbUpdateOptions extends DbCommandOptions {
  check?: boolean;
  script?: boolean;
  idempotent?: boolean;
}

export async function dbUpdate(options: DbUpdateOptions, out: Output): Promise<number> {
  if (options.idempotent && !options.script) throw new UserError('--idempotent goes with --script', { hint: 'passkey-migrate db update --script --idempotent' });
  const ctx = await loadDbContext(options);
  const inputs = { facts: ctx.facts, provider: ctx.provider, keepExistingColumns: options.keepExistingColumns ?? false };

  if (options.script) {
    // No connection: the columns as EF's model snapshot says the database has them.
    const state = modelState(ctx.facts, ctx.provider);
    const plan = stepsFor(await definitionFor(inputs, state), state, ctx.dialect);
    const statements = plan.steps.flatMap((s) => s.statements);
    const body = options.idempotent ? ctx.dialect.guardScript(HISTORY, plan.definition.id, statements, false) : statements;
    const text = ctx.dialect.scriptBatch(body, options.idempotent);
    if (out.json) out.document({ command: 'db update', status: 'script', migration: migrationOf(plan), provider: ctx.provider, script: text });
    else out.line(text);
    return ExitCode.ok;
  }

  const { db, target } = await openDatabase(ctx, options);
  try {
    if (options.check) {
      const plan = await explained(ctx.dialect, db, 'read the database', () => planDatabase(db, ctx.dialect, inputs));
      report(out, plan, target.display, plan.status === 'up-to-date' ? 'up-to-date' : 'pending');
      return plan.status === 'up-to-date' ? ExitCode.ok : plan.status === 'blocked' ? ExitCode.error : ExitCode.pending;
    }
    const result = await applyDatabase(db, ctx.dialect, { ...inputs, lockTimeoutMs: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS, journalDir: ctx.journalDir });
    report(out, result.plan, target.display, result.status);
    return ExitCode.ok;
  } finally {
    await db.destroy();
  }
}

function migrationOf(plan: DbPlan) {
  return { id: plan.state.appliedId ?? plan.definition.id, productVersion: plan.definition.productVersion };
}

function report(out: Output, plan: DbPlan, target: string, status: 'applied' | 'up-to-date' | 'pending'): void {
  if (out.json) {
    out.document({
      command: 'db update',
      status: plan.status === 'blocked' ? 'blocked' : status,
      database: target,
      migration: migrationOf(plan),
      steps: plan.steps.map((s) => ({ kind: s.kind, description: s.description, sql: s.statements })),
      problems: plan.blockers,
    });
    return;
  }
  if (plan.status === 'blocked') {
    out.line(`${out.style('error', 'blocked')}: ${plan.blockers.join('; ')}`);
    return;
  }
  const id = migrationOf(plan).id;
  if (status === 'up-to-date') {
    out.line(`${out.style('ok', 'up to date')}: ${target} has ${id}`);
    return;
  }
  out.line(`${status === 'applied' ? out.style('ok', 'applied') : out.style('warn', 'pending')} ${id} ${status === 'applied' ? 'to' : 'on'} ${target}:`);
  for (const step of plan.steps) out.line(`  ${status === 'applied' ? '+' : '-'} ${step.description}`);
}
