/**
 * A problem the user can fix. The CLI prints `message` as one line (plus `hint` when given) and exits with
 * `exitCode`; no stack trace unless --verbose. Anything that is not a UserError is a bug and is reported as such.
 */
export class UserError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  /** printed as it is, without the "error:" prefix (a cancellation is not an error) */
  readonly plain: boolean;
  /** a stable code for --json documents, e.g. "usage", "cancelled" */
  readonly code: string;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown; plain?: boolean; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
    this.plain = options.plain ?? false;
    this.code = options.code ?? (this.exitCode === 130 || this.exitCode === 143 ? 'cancelled' : 'error');
  }
}

/** Ctrl-C at a question: nothing was changed. */
export class Cancelled extends UserError {
  constructor() {
    super('cancelled: nothing changed', { exitCode: 130, plain: true, code: 'cancelled' });
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** Exit codes, shared by every command (documented in the README). */
export const ExitCode = {
  ok: 0,
  error: 1,
  pending: 2,
} as const;

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
