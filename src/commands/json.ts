/**
 * The parts of the --json documents that several commands share, built in one place so that the same thing has
 * the same shape everywhere (schema/passkey-migrate.schema.json describes every document). Every document has
 * `command` and `status`: ok | up-to-date | pending | applied | error; an error has `error: { message, code }`.
 */
import type { DbPlan } from '../plan/db-plan.js';

export type RunStatus = 'ok' | 'up-to-date' | 'pending' | 'applied' | 'error';

export interface DatabaseDoc {
  /** the database, as shown to the user (a file or server/database; never a secret) */
  target: string | null;
  status: 'up-to-date' | 'pending' | 'blocked' | 'applied' | 'rolled-back';
  migrationId: string;
  productVersion: string | null;
  steps: { kind: string; description: string; sql: string[] }[];
  problems: string[];
}

export function databaseDoc(plan: DbPlan, target: string | null, status: DatabaseDoc['status'] = plan.status): DatabaseDoc {
  return {
    target,
    status,
    migrationId: plan.state.appliedId ?? plan.definition.id,
    productVersion: plan.definition.productVersion,
    steps: plan.steps.map((s) => ({ kind: s.kind, description: s.description, sql: s.statements })),
    problems: plan.blockers,
  };
}

/** The document of a run that failed: what went wrong, as one line and a stable code. */
export function errorDoc(command: string, error: { message: string; code: string; hint?: string }) {
  return { command, status: 'error' as const, error: { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) } };
}
