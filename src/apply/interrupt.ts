/**
 * Ctrl-C and SIGTERM while changes are being applied: the signal is noted, the step under way finishes, and at the
 * next checkpoint the apply stops and rolls back (files restored, the transaction rolled back), so the project is
 * as before and a later run starts afresh. Outside an apply, signals behave as usual.
 */
import { UserError } from '../core/errors.js';

let received: NodeJS.Signals | null = null;

export class Interrupted extends UserError {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal}): nothing changed`, { exitCode: signal === 'SIGINT' ? 130 : 143, plain: true });
  }
}

/** Runs work with SIGINT/SIGTERM deferred to checkpoints; restores the default handling afterwards. */
export async function whileApplying<T>(work: (checkpoint: () => Promise<void>) => Promise<T>): Promise<T> {
  received = null;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkpoint = async () => {
    // Let a signal sent in the meantime reach its handler first.
    await new Promise((resolve) => setImmediate(resolve));
    if (received) throw new Interrupted(received);
  };
  try {
    return await work(checkpoint);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
