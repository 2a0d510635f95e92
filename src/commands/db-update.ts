/** `passkey-migrate db update`: apply AddPasskeySupport (or --check, or --script) on the app's database. */
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { applyDatabase, explained } from '../apply/db-apply.js';
import { definitionFor, HISTORY, modelState, planDatabase, stepsFor, type DbPlan } from '../plan/db-plan.js';
import { databaseDoc, errorDoc } from './json.js';
import { printSql } from './plan-output.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadDbContext, openDatabase, type DbCommandOptions } from './db-context.js';

export interface DbUpdateOptions extends DbCommandOptions {
  check?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  script?: boolean;
  idempotent?: boolean;
}

export async function dbUpdate(options: DbUpdateOptions, out: Output): Promise<number> {
  if (options.idempotent && !options.script) throw new UserError('--idempotent goes with --script', { hint: 'passkey-migrate db update --script --idempotent' });
  if (options.script && (options.check || options.dryRun))
    throw new UserError(`--script does not connect, so it cannot go with ${options.check ? '--check' : '--dry-run'}`, { code: 'usage' });
  const ctx = await loadDbContext(options);
  const inputs = { facts: ctx.facts, provider: ctx.provider, keepExistingColumns: options.keepExistingColumns ?? false };

  if (options.script) {
    // No connection: the columns as EF's model snapshot says the database has them.
    const state = modelState(ctx.facts, ctx.provider);
    const plan = stepsFor(await definitionFor(inputs, state), state, ctx.dialect);
    const statements = plan.steps.flatMap((s) => s.statements);
    const body = options.idempotent ? ctx.dialect.guardScript(HISTORY, plan.definition.id, statements, false) : statements;
    const text = ctx.dialect.scriptBatch(body, options.idempotent);
    if (out.json) out.document({ command: 'db update', status: 'ok', database: databaseDoc(plan, null, 'pending'), provider: ctx.provider, script: text });
    else out.line(text);
    return ExitCode.ok;
  }

  const { db, target } = await openDatabase(ctx, options);
  try {
    if (options.check || options.dryRun) {
      const plan = await explained(ctx.dialect, db, 'read the database', () => planDatabase(db, ctx.dialect, inputs));
      report(out, plan, target.display, plan.status === 'up-to-date' ? 'up-to-date' : 'pending', options.dryRun ?? false);
      if (plan.status === 'blocked') return ExitCode.error;
      return plan.status === 'up-to-date' || !options.check ? ExitCode.ok : ExitCode.pending;
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

function report(out: Output, plan: DbPlan, target: string, status: 'applied' | 'up-to-date' | 'pending', sql = false): void {
  if (out.json) {
    const database = databaseDoc(plan, target, plan.status === 'blocked' ? 'blocked' : status);
    if (plan.status === 'blocked')
      out.document({ ...errorDoc('db update', { message: `the database cannot be migrated as it is: ${plan.blockers.join('; ')}`, code: 'blocked' }), database });
    else out.document({ command: 'db update', status, database });
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
  for (const step of plan.steps) {
    out.line(`  ${status === 'applied' ? '+' : '-'} ${step.description}`);
    if (sql) printSql(out, step.statements);
  }
}
