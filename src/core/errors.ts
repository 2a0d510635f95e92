/**
 * A problem the user can fix. The CLI prints `message` as one line (plus `hint` when given) and exits with
 * `exitCode`; no stack trace unless --verbose. Anything that is not a UserError is a bug and is reported as such.
 */
export class UserError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
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
