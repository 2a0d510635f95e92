/** `passkey-migrate undo`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import type { UndoOptions } from './undo.js';

export const undoCommand: CommandSpec<UndoOptions> = {
  name: 'undo',
  parent: null,
  writes: { check: 'exit 2 when there is a journal to undo, 0 when there is none' },
  define: (command) =>
    command
      .description('revert the last add (or upgrade, scaffold) from its journal: database rolled back, files restored')
      .option('--force', 'roll the database back even when users have registered passkeys (they are deleted)')
      .option('--skip-db', 'restore the files only')
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate undo                 show what is restored, ask, restore
  $ passkey-migrate undo --yes --skip-db the files only, without asking`,
      ),
  run: async (options, out) => (await import('./undo.js')).undo(options, out),
};
