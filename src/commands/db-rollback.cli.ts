/** `passkey-migrate db rollback`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import type { DbRollbackOptions } from './db-rollback.js';

export const dbRollbackCommand: CommandSpec<DbRollbackOptions> = {
  name: 'rollback',
  parent: 'db',
  writes: { check: 'exit 2 when AddPasskeySupport is applied (there is something to roll back), 0 when not' },
  define: (command) =>
    command
      .description('undo exactly what AddPasskeySupport did (refuses while passkeys exist, unless --force)')
      .option('--force', 'roll back even when users have passkeys (they are deleted)')
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate db rollback
  $ passkey-migrate db rollback --force`,
      ),
  run: async (options, out) => (await import('./db-rollback.js')).dbRollback(options, out),
};
