/** `passkey-migrate db update`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import type { DbUpdateOptions } from './db-update.js';

export const dbUpdateCommand: CommandSpec<DbUpdateOptions> = {
  name: 'update',
  parent: 'db',
  writes: { check: 'exit 0 when applied, 2 when pending (saying what)' },
  define: (command) =>
    command
      .description('apply AddPasskeySupport: the passkeys table, the column changes of schema Version3 and the EF history row')
      .option('--script', 'print the SQL for the provider without connecting')
      .option('--idempotent', 'with --script: guard every statement with the history check, as EF does')
      .option('--keep-existing-columns', 'only add the passkeys table; leave every existing column as it is')
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate db update
  $ passkey-migrate db update --check
  $ passkey-migrate db update --script --idempotent > add-passkeys.sql
  $ passkey-migrate db update --keep-existing-columns --connection "Host=db;Database=app;Username=app;Password=..."`,
      ),
  run: async (options, out) => (await import('./db-update.js')).dbUpdate(options, out),
};
